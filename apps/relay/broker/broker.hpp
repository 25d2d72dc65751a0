// Broker: what carries every publish between relays, numbers it for the whole cluster and
// keeps its history, so that any relay can resume any client. The relay talks to it through
// this interface alone (RedisBroker is the implementation; tests may fake it).
//
// Threads: every call, and every callback and listener call, happens on the server's first
// loop (the broker's loop). The relay hands work to it with Server::post and hands results
// back to a connection's own loop with its LoopHandle (relay/relay.hpp says where).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_message.hpp"
#include "sluice/opcode.hpp"
#include "topics/topic_pattern.hpp"

namespace sluice::relay {

struct BrokerPublish {
  std::string topic;
  std::string payload;
  Opcode opcode = Opcode::text;
  std::size_t keep = 0;                  // history entries kept in the broker; 0: none
  std::chrono::milliseconds max_age{0};  // 0: no age bound
};

struct PublishReceipt {
  bool ok = false;
  std::uint64_t seq = 0;
  std::uint64_t relays = 0;  // relays subscribed to the topic's channel when it was published
  std::string error;         // when not ok
};

struct StoredMessage {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;
  Opcode opcode = Opcode::text;
  std::string payload;
};

// Broker::read's `after` for "the newest message only" (a retained value).
inline constexpr std::uint64_t kNewestOnly = ~std::uint64_t{0};

struct TopicRead {
  bool ok = false;
  std::uint64_t last = 0;  // the topic's last sequence
  std::string epoch;       // of the topic's shard
  std::vector<StoredMessage> entries;
  std::string error;
};

struct BrokerFigures {
  std::uint32_t shards = 0;
  std::uint32_t shards_up = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t published = 0;       // publishes Redis numbered
  std::uint64_t publish_failed = 0;  // refused: broker down, or failed in flight
  std::uint64_t received = 0;        // messages from Redis
  std::uint64_t probes_failed = 0;   // subscriptions found dead by the probe
};

// What the broker tells the relay.
class BrokerListener {
 public:
  virtual void on_broker_message(std::string_view topic, const BrokerMessage& message) = 0;
  // A shard is reachable again, its subscriptions confirmed: messages of its topics published
  // while it was not may have been missed. `epoch` is its data's epoch (changed: Redis lost it).
  virtual void on_shard_up(std::uint32_t shard, std::string_view epoch) = 0;
  virtual void on_shard_down(std::uint32_t shard, const std::string& why) = 0;

 protected:
  ~BrokerListener() = default;
};

class Broker {
 public:
  virtual ~Broker() = default;

  virtual void start(BrokerListener& listener) = 0;
  // Interest in the messages of topics that `pattern` matches (counted; batched to Redis).
  virtual void watch(const TopicPattern& pattern) = 0;
  virtual void unwatch(const TopicPattern& pattern) = 0;
  // Runs `fn` once every subscription asked for so far is confirmed (false: a shard is down).
  virtual void when_subscribed(std::function<void(bool)> fn) = 0;

  virtual void publish(BrokerPublish message, std::function<void(PublishReceipt)> done) = 0;
  // The topic's last sequence and epoch and up to `max` stored messages after `after` (no
  // older than `max_age` when set); with `after` = kNewestOnly, the newest stored message alone.
  virtual void read(std::string topic, std::uint64_t after, std::size_t max,
                    std::chrono::milliseconds max_age, std::function<void(TopicRead)> done) = 0;

  virtual bool up() const = 0;
  virtual std::uint32_t shard_of(std::string_view topic) const = 0;
  virtual std::uint32_t shards() const = 0;
  virtual std::string epoch(std::uint32_t shard) const = 0;
  virtual BrokerFigures figures() const = 0;
};

}  // namespace sluice::relay
