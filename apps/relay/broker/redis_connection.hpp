// RedisConnection: one connection to one Redis, on the server's first loop, that keeps itself
// up. It owns its hiredis context (freed with it), logs in (AUTH, SELECT) and proves the
// server answers (PING) before it calls itself ready, bounds the connect and every command by
// its own deadlines (hiredis 0.14.1 has no timers), and after any failure reconnects with
// full-jitter backoff. Its owner hears of both edges: on_ready and on_down.
//
// Every call is on the loop thread. A command's callback gets the reply, or nullptr when the
// connection failed or the command timed out (every pending callback is called exactly once).
#pragma once

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <sluice/sluice.hpp>

#include "broker/redis_url.hpp"
#include "sources/backoff.hpp"

namespace sluice::relay {

struct RedisTimeouts {
  std::chrono::milliseconds connect{2'000};
  std::chrono::milliseconds command{2'000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5'000};
};

class RedisConnection {
 public:
  using Clock = std::chrono::steady_clock;
  using ReplyFn = std::function<void(const redisReply*)>;
  enum class State : std::uint8_t { down, connecting, ready };

  struct Events {
    std::function<void()> on_ready;
    std::function<void(const std::string& why)> on_down;  // from ready or connecting
  };

  // `name` says which connection a log line is about ("shard 0 commands"). A host name is
  // resolved here, once (the loop must never wait on DNS); throws std::runtime_error when it
  // does not resolve.
  RedisConnection(sluice::Server& server, const RedisUrl& url, std::string name, RedisTimeouts timeouts,
                  Events events);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  void start();  // the first connect; later ones follow failures by themselves

  // A command with tracked deadline. False (and `done` not called) when not connected.
  bool command(std::span<const std::string_view> args, ReplyFn done);
  // A command whose replies hiredis routes itself (SUBSCRIBE and friends, on a PUB/SUB
  // connection): no deadline; `fn` is called for each of them, and with nullptr at the end.
  bool raw_command(std::span<const std::string_view> args, redisCallbackFn* fn, void* privdata);

  // Drops the connection now (logged with `why`) and reconnects after backoff.
  void fail(const std::string& why);
  // Deadlines and the reconnect: call every few tens of ms.
  void tick(Clock::time_point now);

  State state() const { return state_; }
  bool ready() const { return state_ == State::ready; }
  const std::string& name() const { return name_; }
  std::uint64_t reconnects() const { return reconnects_; }
  std::size_t pending() const { return sent_at_.size(); }

 private:
  struct Pending;
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void connect();
  void log_in();
  void gone(const std::string& why);
  bool send(std::span<const std::string_view> args, redisCallbackFn* fn, void* privdata);

  sluice::Server& server_;
  RedisUrl url_;
  std::string address_;  // numeric
  std::string name_;
  RedisTimeouts timeouts_;
  Events events_;
  Backoff backoff_;
  redisAsyncContext* ac_ = nullptr;
  State state_ = State::down;
  Clock::time_point deadline_{};  // connecting: ready by then
  Clock::time_point retry_at_{};  // down: connect again then
  Clock::time_point ready_since_{};
  std::deque<Clock::time_point> sent_at_;  // tracked commands, oldest first (replies come in order)
  std::atomic<std::uint64_t> reconnects_{0};
  bool started_ = false;
  bool ever_ready_ = false;
};

}  // namespace sluice::relay
