// Relay: the pub/sub core of the relay program. It numbers each topic's messages, keeps their
// history, and hands every publish to the engine's topics once per distinct subscription (see
// SubscriptionRequest::key), so every subscriber of that set shares one encoded frame. HTTP
// publishes, WebSocket clients and sources all publish through publish(), the one entry point.
//
// Any loop thread may call it: one mutex orders publishes and subscriptions, so a subscriber
// that resumes gets the history up to a point and the live stream from right after it. With one
// thread (the default) that seam is exact; with several, a message published on another thread
// at the very moment of a resume may arrive twice (never be lost).
//
// With a broker (use_broker(), [broker] in the file), sequence numbers and history live in the
// broker instead, and a publish is delivered only when it comes back from it, on every relay
// alike (relay_broker.cpp). Hand-offs between threads: a publish goes to the broker's loop (the
// server's first) with Server::post; what the broker hears goes to subscribers through the
// engine's topics (any thread) or, for a subscriber still catching up, to its own loop through
// its LoopHandle; the mutex orders all of it as without a broker.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sluice/sluice.hpp>

#include "broker/broker.hpp"
#include "config/config.hpp"
#include "config/topic_settings.hpp"
#include "history/history_ring.hpp"
#include "relay/rate_meter.hpp"
#include "relay/subscriber_limits.hpp"
#include "relay/subscriber_output.hpp"
#include "relay/subscription_request.hpp"

namespace sluice::relay {

enum class Publisher : std::uint8_t { http, client, source };

struct PublishOutcome {
  enum class Status : std::uint8_t { ok, bad_topic, not_allowed, too_large, invalid_text, unavailable };
  Status status = Status::ok;
  std::uint64_t seq = 0;  // 0 for a publish handed to the broker without waiting
  std::uint64_t subscribers =
      0;  // connections whose subscription it reached, and source sinks (this relay's)
  std::string error;
  // A subscription the message reached is now held back by a subscriber under the backpressure
  // policy (see topic_blocked): a producer that can wait should, before it publishes again.
  bool blocked = false;
  std::uint64_t relays = 0;  // with a broker: relays that received it
};

// What the relay counts of its broker traffic (all zero without one).
struct BrokerCounts {
  std::uint64_t delivered = 0;       // messages from the broker handed to subscribers
  std::uint64_t duplicates = 0;      // a message seen twice (overlapping patterns), delivered once
  std::uint64_t repairs = 0;         // topic catch-ups after a reconnect or a jump in sequence
  std::uint64_t repaired = 0;        // messages delivered late by a repair
  std::uint64_t gaps = 0;            // gap notices for messages the broker no longer held
  std::uint64_t resets = 0;          // topics whose numbering the broker lost (a new epoch)
  std::uint64_t dropped = 0;         // held messages dropped over inbound_queue
  std::uint64_t publish_failed = 0;  // publishes from clients and sources the broker refused
  std::int64_t lag_ms = 0;           // the last delivered message: now less its broker time
};

struct TopicSummary {
  std::string name;
  std::uint64_t subscribers = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t published = 0;
  std::uint64_t messages_per_second = 0;
  std::size_t history_messages = 0;
  std::size_t history_bytes = 0;
  // Messages to this topic that a subscriber's policy refused at publish (drop_newest, close),
  // as seen by the publishing thread: with several threads, other threads' refusals are not here.
  std::uint64_t dropped = 0;
};

class Relay final : private BrokerListener {
 public:
  Relay(sluice::Server& server, const RelayConfig& config);
  ~Relay();

  // Before Server::listen(): every publish goes through `broker` from now on. start_broker()
  // after listen() connects it. `on_state` hears when the broker becomes reachable (an empty
  // reason) or not (why), on the broker's loop.
  void use_broker(std::unique_ptr<Broker> broker, std::function<void(const std::string&)> on_state);
  void start_broker();
  bool has_broker() const { return broker_ != nullptr; }
  bool broker_up() const { return broker_up_.load(std::memory_order_relaxed); }
  BrokerCounts broker_counts() const;
  std::optional<BrokerFigures> broker_figures() const;

  // Without a broker, numbers and delivers at once. With one, hands the message to the broker
  // and returns: status ok with seq 0, or unavailable while the broker is down.
  PublishOutcome publish(std::string_view topic, std::string_view data, Opcode opcode, Publisher who);
  // Why this publish would be refused (a bad name or text, not allowed, too large), or nothing.
  std::optional<PublishOutcome> check(std::string_view topic, std::string_view data, Opcode opcode,
                                      Publisher who) const;
  // The same, telling `done` the outcome once the broker has numbered the message (or failed:
  // unavailable). `done` runs on the calling thread when the message is refused at once,
  // else on the broker's loop.
  void publish_async(std::string_view topic, std::string_view data, Opcode opcode, Publisher who,
                     std::function<void(PublishOutcome)> done);

  // A new subscriber (on its loop thread): applies its topic's connection limits, sends what
  // it asked to catch up on (with envelopes, first the epoch; then the history after each
  // resume position, or a reset when the position is from another run; each other matching
  // topic's retained value), then subscribes it to the live stream. The catch-up goes through
  // the connection's send queue and stops short of its cap (with a gap notice).
  void subscribe(WebSocket ws, const SubscriptionRequest& request);
  // The same for an event stream (Server-Sent Events). With a broker it is live only: its
  // Last-Event-ID is not resumed from the broker's history yet.
  void subscribe(HttpStream stream, const SubscriptionRequest& request);
  void unsubscribe(SubscriberHandle subscriber, const SubscriptionRequest& request);  // it is gone

  // Producer flow control: whether a subscriber under the backpressure policy of any
  // subscription matching `topic` holds more than its low watermark (Server::topic_blocked for
  // each such subscription). Any thread.
  bool topic_blocked(std::string_view topic) const;
  // Runs `fn` once on the calling loop thread when `topic` is no longer blocked (in the next turn
  // if it is not blocked now).
  void when_topic_unblocked(std::string_view topic, std::function<void()> fn);

  // An internal subscriber to one exact topic: a source's way back to its device (sink_topic).
  // `deliver` runs on the publishing thread with the relay's lock held, so it must only queue
  // the message; once remove_sink() returns it is never called again. Each sink counts as one
  // subscriber in a publish's outcome.
  using SinkId = std::uint64_t;
  using SinkDeliver = std::function<void(std::string_view data, Opcode opcode)>;
  SinkId add_sink(std::string topic, SinkDeliver deliver);
  void remove_sink(SinkId id);

  // The settings for a topic, and the server-wide limits the HTTP API applies.
  TopicConfig settings_for(std::string_view topic) const;
  std::size_t max_message_size() const;
  // A configuration reload: topic settings (history bounds included) apply at once.
  void apply(const RelayConfig& config);

  std::vector<TopicSummary> topics() const;
  std::optional<TopicSummary> topic(std::string_view name) const;
  std::uint64_t published_total() const;
  // Messages handed to publish() by each kind of publisher, accepted or not.
  std::uint64_t received(Publisher who) const {
    return received_[static_cast<std::size_t>(who)].load(std::memory_order_relaxed);
  }
  std::size_t history_bytes() const;  // what every topic's history holds

 private:
  struct TopicState {
    explicit TopicState(HistoryLimits limits) : history(limits) {}
    HistoryRing history;
    RateMeter rate;
    std::uint64_t published = 0;
    std::uint64_t dropped = 0;
    std::uint64_t broker_last = 0;  // with a broker: the last sequence delivered here
  };
  struct CatchUp;  // a subscriber waiting for its history from the broker (relay_broker.cpp)
  // Where this relay stands in a topic the broker delivers: the last sequence handed to its
  // subscribers, and while a repair reads what was missed, the live messages held behind it.
  struct Position {
    std::string epoch;
    std::uint64_t last = 0;
    bool repairing = false;
    bool read_failed = false;  // the repair's read failed: it starts again when the shard is up
    std::vector<StoredMessage> held;
  };
  struct Sink {
    SinkId id;
    std::string topic;
    SinkDeliver deliver;
  };
  struct ActiveSubscription {
    SubscriptionRequest request;
    std::uint64_t connections = 0;
  };

  TopicState& state_for(std::string_view topic);
  TopicSummary summary(const std::string& name, const TopicState& state, std::int64_t now_second) const;
  std::uint64_t subscribers_of(std::string_view topic) const;
  void add_active(const SubscriptionRequest& request);
  // `entry`: the subscriber's [[topic]] settings, whose max_buffered_bytes bounds the replay.
  void replay(SubscriberOutput& out, const SubscriptionRequest& request, const TopicConfig& entry);
  void resume(SubscriberOutput& out, const ResumePoint& point, bool same_run, const CatchUpRoom& room);
  const std::string* blocked_key(std::string_view topic) const;
  // One message to a subscription key's WebSocket subscribers, compressed as its topic's entry
  // says (unset: as the server's compression says).
  sluice::PublishResult to_websockets(std::string_view key, std::string_view data, sluice::Opcode opcode,
                                      std::optional<sluice::Compression> compression);

  // The broker side (relay_broker.cpp).
  void on_broker_message(std::string_view topic, const BrokerMessage& message) override;
  void on_shard_up(std::uint32_t shard, std::string_view epoch) override;
  void on_shard_down(std::uint32_t shard, const std::string& why) override;
  std::optional<PublishOutcome> refuse(std::string_view topic, std::string_view data, Opcode opcode,
                                       Publisher who) const;  // under the mutex
  BrokerPublish broker_message(std::string_view topic, std::string_view data, Opcode opcode) const;
  void hand_to_broker(BrokerPublish message, std::function<void(PublishOutcome)> done);
  // Without a broker: limits, replay from this relay's history, then live (under the mutex).
  template <typename Handle>  // WebSocket or HttpStream
  void subscribe_here(Handle subscriber, const SubscriptionRequest& request);
  // Through a broker: live at once, or after its history is read from the broker (CatchUp).
  void subscribe_through_broker(SubscriberHandle subscriber, const SubscriptionRequest& request);
  void watch_through_broker(const std::string& topic, bool watch);  // a sink's exact topic
  // Under the mutex: true when `subscriber` was still catching up.
  bool drop_catch_up(SubscriberHandle subscriber);
  // The topics whose newest message a new subscriber through the broker gets first.
  std::vector<std::string> retained_topics(const SubscriptionRequest& request) const;
  void read_for(const std::shared_ptr<CatchUp>& c, bool subscribed);
  void finish_catch_up(const std::shared_ptr<CatchUp>& c);
  bool wanted(std::string_view topic) const;
  void fan_out(std::string_view topic, const StoredMessage& m);
  // A notice to every envelope subscription and event stream `topic` reaches.
  void notify(std::string_view topic, const std::string& json, const std::string& sse);
  void start_repairs(std::vector<std::pair<std::string, std::uint64_t>> reads);
  std::vector<std::pair<std::string, std::uint64_t>> finish_repair(const std::string& topic,
                                                                   const TopicRead& r);
  std::string cluster_epoch() const;
  bool same_run(const SubscriptionRequest& request, std::string_view topic) const;

  sluice::Server& server_;
  const std::string epoch_;               // names this run: sequences begin again at 1 in the next
  const std::size_t max_buffered_bytes_;  // the engine's, fixed at start
  mutable std::mutex mutex_;
  std::shared_ptr<const TopicSettings> settings_;
  std::size_t max_message_size_;
  std::map<std::string, TopicState, std::less<>> topics_;
  std::map<std::string, ActiveSubscription, std::less<>> active_;  // by request key
  std::uint64_t published_total_ = 0;
  std::vector<Sink> sinks_;
  SinkId next_sink_id_ = 1;
  std::array<std::atomic<std::uint64_t>, 3> received_{};  // by Publisher

  std::unique_ptr<Broker> broker_;
  BrokerConfig broker_config_;
  std::function<void(const std::string&)> on_broker_state_;
  std::atomic<bool> broker_up_{false};
  bool closing_ = false;  // the relay is being destroyed: the broker's last answers start nothing
  std::vector<std::string> shard_epochs_;  // as the broker last said, by shard
  std::map<std::string, Position, std::less<>> positions_;
  std::vector<std::shared_ptr<CatchUp>> catch_ups_;
  std::size_t held_ = 0;  // messages held across positions and catch-ups (inbound_queue)
  BrokerCounts counts_;
};

}  // namespace sluice::relay
