// HttpPublisher: publishes timestamped messages by HTTP POST at a fixed rate on one keep-alive
// connection, from a thread of its own. Requests are pipelined (HTTP/1.1): what is due goes out
// every kTickNs in one write, without waiting for the answers to the ones before, up to
// kMaxInFlight unanswered (a message due beyond that is skipped), so the rate holds however long
// a publish takes to answer. The tick is the WebSocket publisher's (its loop's timer tick), so the
// two publishers offer a server the same bursts and their figures compare the paths, not the
// pacing: a server writes each burst to a subscriber in one syscall, and spacing the same
// messages evenly costs it one syscall per message per subscriber instead.
// For the relay's `POST /topics/NAME`; a message counts as sent when its 200 arrives, and every
// other answer counts as refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "publisher.hpp"
#include "raw_ws.hpp"

namespace sluice::bench {

class HttpPublisher : public MessagePublisher {
 public:
  // `url` is http://a.b.c.d:PORT/PATH; `limit` stops it after that many messages (0: never).
  HttpPublisher(const std::string& url, double rate, std::string payload, std::uint64_t limit,
                std::function<void()> on_open, std::function<void()> on_failed);
  ~HttpPublisher() override;

  // Connects now (blocking, to loopback) and calls on_open or on_failed before returning.
  void connect() override;
  void start() override;  // the thread starts publishing
  void stop() override;   // the thread stops before its next message

  std::uint64_t sent() const override { return sent_.load(); }
  std::uint64_t refused() const override { return refused_.load(); }
  std::uint64_t skipped() const override { return skipped_.load(); }

  static constexpr std::uint64_t kMaxInFlight = 64;
  static constexpr std::uint64_t kTickNs = 50'000'000;

 private:
  void run();
  bool
  read_answers();  // reads what has arrived and counts each whole answer; false when the connection ended

  std::string url_;
  double rate_;
  std::string payload_;
  std::uint64_t limit_;
  std::function<void()> on_open_, on_failed_;
  WsTarget target_;
  std::string request_;  // the whole request; each message stamps its body in place
  std::string pending_;  // answer bytes not yet a whole answer
  std::uint64_t in_flight_ = 0;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> publishing_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> skipped_{0};
};

}  // namespace sluice::bench
