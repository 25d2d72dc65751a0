// RedisShard: one Redis of the broker, reached by two connections: one for commands (the
// publish and read scripts, probes) and one for PUB/SUB (a connection in subscribed mode can
// run nothing else). The shard is up once both are ready, its scripts are loaded, its epoch is
// known and every subscription it wants is confirmed.
//
// Liveness: a PUB/SUB connection that has silently stopped receiving (a failover, a NAT that
// forgot it, a Redis that no longer answers) looks fine to TCP. Every probe_interval the shard
// publishes a probe on its own probe channel through the command connection; if the PUB/SUB
// connection has not received it within command_timeout, it is dropped and reconnected. A
// dead subscription is thus found within probe_interval + command_timeout. (A PING on the
// subscribed connection would test less, and hiredis 0.14.1 cannot route its reply there.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <sluice/sluice.hpp>

#include "broker/broker.hpp"
#include "broker/redis_connection.hpp"
#include "broker/redis_keys.hpp"
#include "broker/subscription_table.hpp"
#include "config/config.hpp"

namespace sluice::relay {

struct ScriptShas {
  std::string publish, read, epoch;
};

class RedisShard {
 public:
  using Clock = std::chrono::steady_clock;

  struct Events {
    std::function<void(std::string_view topic, const BrokerMessage&)> on_message;
    std::function<void(std::string_view epoch)> on_up;
    std::function<void(const std::string& why)> on_down;
  };

  RedisShard(sluice::Server& server, std::uint32_t index, const RedisUrl& url, const BrokerConfig& config,
             const ScriptShas& shas, std::string node_id, Events events);
  ~RedisShard();

  void start();
  void tick(Clock::time_point now);

  void watch(SubscriptionTable::Kind kind, const std::string& name);
  void unwatch(SubscriptionTable::Kind kind, const std::string& name);
  void flush_subscriptions();
  bool subscriptions_settled() const { return sub_.ready() && table_.settled(); }

  void publish(const BrokerPublish& message, std::function<void(PublishReceipt)> done);
  void read(const std::string& topic, std::uint64_t after, std::size_t max, std::chrono::milliseconds max_age,
            std::function<void(TopicRead)> done);

  bool up() const { return up_; }
  const std::string& epoch() const { return epoch_; }
  std::uint64_t reconnects() const { return cmd_.reconnects() + sub_.reconnects(); }
  std::uint64_t probes_failed() const { return probes_failed_; }
  std::uint64_t received() const { return received_; }

 private:
  static void on_pubsub(redisAsyncContext* ac, void* reply, void* privdata);
  void pubsub_reply(const redisReply* reply);
  void command_ready();
  void pubsub_ready();
  void check_up();
  void set_down(const std::string& why);
  void probe(Clock::time_point now);
  // EVALSHA, and EVAL with the script's text when Redis answers NOSCRIPT.
  void run_script(const std::string& sha, std::string_view text, std::vector<std::string> args,
                  RedisConnection::ReplyFn done);

  sluice::Server& server_;
  std::uint32_t index_;
  const BrokerConfig& config_;
  const ScriptShas& shas_;
  RedisKeys keys_;
  std::string probe_channel_;
  Events events_;
  RedisConnection cmd_;
  RedisConnection sub_;
  SubscriptionTable table_;
  std::string epoch_;
  std::string fresh_epoch_;  // written by a script that finds no epoch
  bool scripts_loaded_ = false;
  std::atomic<bool> up_{false};
  bool probe_outstanding_ = false;
  Clock::time_point probe_sent_{};
  // While (un)subscribes are unanswered: when the last one was sent into a settled table, or
  // the last answer came. Redis answers in order, so a silence longer than command_timeout
  // means the connection lost them (the probe alone waits for a settled table).
  Clock::time_point last_confirmation_{};
  Clock::time_point next_probe_{};
  std::atomic<std::uint64_t> probes_failed_{0};
  std::atomic<std::uint64_t> received_{0};
  std::uint64_t generation_ = 0;  // of the command connection: replies of an older one are stale
};

// 16 random hex digits: an epoch or a node's name, different in every run with negligible
// chance of a repeat.
std::string random_hex64();

}  // namespace sluice::relay
