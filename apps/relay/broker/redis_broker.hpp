// RedisBroker: the Broker on one or more Redis shards. A topic lives on the shard that jump
// consistent hashing picks for it (broker/shard_map.hpp): its sequence, its stream and its
// channel. A pattern subscription may match topics of every shard, so it is subscribed on
// all of them. One timer drives every deadline, probe and reconnect (hiredis 0.14.1 has no
// timer hook), every 50 ms on the server's first loop; subscription changes are batched and
// go out at the next tick or turn of the loop.
#pragma once

#include <memory>
#include <vector>

#include <sluice/sluice.hpp>

#include "broker/broker.hpp"
#include "broker/redis_shard.hpp"
#include "config/config.hpp"

namespace sluice::relay {

class RedisBroker final : public Broker {
 public:
  // Resolves the shards' host names (throws std::runtime_error when one does not resolve).
  RedisBroker(sluice::Server& server, const BrokerConfig& config);
  ~RedisBroker() override;

  // After Server::listen(): connects, and starts the timer.
  void start(BrokerListener& listener) override;
  void watch(const TopicPattern& pattern) override;
  void unwatch(const TopicPattern& pattern) override;
  void when_subscribed(std::function<void(bool)> fn) override;
  void publish(BrokerPublish message, std::function<void(PublishReceipt)> done) override;
  void read(std::string topic, std::uint64_t after, std::size_t max, std::chrono::milliseconds max_age,
            std::function<void(TopicRead)> done) override;
  bool up() const override;
  std::uint32_t shard_of(std::string_view topic) const override;
  std::uint32_t shards() const override { return static_cast<std::uint32_t>(shards_.size()); }
  std::string epoch(std::uint32_t shard) const override { return shards_[shard]->epoch(); }
  BrokerFigures figures() const override;

 private:
  void tick();
  void schedule_flush();
  void settle_waiters();
  template <class Fn>
  void for_pattern(const TopicPattern& pattern, Fn fn);

  sluice::Server& server_;
  BrokerConfig config_;
  RedisKeys keys_;
  ScriptShas shas_;
  std::vector<std::unique_ptr<RedisShard>> shards_;
  BrokerListener* listener_ = nullptr;
  std::vector<std::function<void(bool)>> waiters_;
  int timer_ = -1;
  bool flush_posted_ = false;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> publish_failed_{0};
};

}  // namespace sluice::relay
