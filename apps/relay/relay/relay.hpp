// Relay: the pub/sub core of the relay program. It numbers each topic's messages, keeps their
// history, and hands every publish to the engine's topics once per distinct subscription (see
// SubscriptionRequest::key), so every subscriber of that set shares one encoded frame. HTTP
// publishes, WebSocket clients and sources all publish through publish(), the one entry point.
//
// Any loop thread may call it: one mutex orders publishes and subscriptions, so a subscriber
// that resumes gets the history up to a point and the live stream from right after it. With one
// thread (the default) that seam is exact; with several, a message published on another thread
// at the very moment of a resume may arrive twice (never be lost).
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
#include <vector>

#include <sluice/sluice.hpp>

#include "config/config.hpp"
#include "config/topic_settings.hpp"
#include "history/history_ring.hpp"
#include "relay/rate_meter.hpp"
#include "relay/subscriber_limits.hpp"
#include "relay/subscription_request.hpp"

namespace sluice::relay {

enum class Publisher : std::uint8_t { http, client, source };

struct CatchUpRoom;  // what a new subscriber's catch-up may queue (relay.cpp)

struct PublishOutcome {
  enum class Status : std::uint8_t { ok, bad_topic, not_allowed, too_large, invalid_text };
  Status status = Status::ok;
  std::uint64_t seq = 0;
  std::uint64_t subscribers = 0;  // connections whose subscription it reached, and source sinks
  std::string error;
  // A subscription the message reached is now held back by a subscriber under the backpressure
  // policy (see topic_blocked): a producer that can wait should, before it publishes again.
  bool blocked = false;
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

class Relay {
 public:
  Relay(sluice::Server& server, const RelayConfig& config);

  PublishOutcome publish(std::string_view topic, std::string_view data, Opcode opcode, Publisher who);

  // A new subscriber (on its loop thread): applies its topic's connection limits, sends what
  // it asked to catch up on (with envelopes, first the epoch; then the history after each
  // resume position, or a reset when the position is from another run; each other matching
  // topic's retained value), then subscribes it to the live stream. The catch-up goes through
  // the connection's send queue and stops short of its cap (with a gap notice).
  void subscribe(WebSocket ws, const SubscriptionRequest& request);
  void unsubscribe(const SubscriptionRequest& request);  // the subscriber is gone

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
  void replay(WebSocket ws, const SubscriptionRequest& request);
  void resume(WebSocket ws, Format format, const ResumePoint& point, bool same_run, const CatchUpRoom& room);
  const std::string* blocked_key(std::string_view topic) const;

  sluice::Server& server_;
  const std::string epoch_;               // names this run: sequences begin again at 1 in the next
  const std::size_t max_buffered_bytes_;  // the engine's, fixed at start
  SubscriberLimits limits_;
  mutable std::mutex mutex_;
  std::shared_ptr<const TopicSettings> settings_;
  std::size_t max_message_size_;
  std::map<std::string, TopicState, std::less<>> topics_;
  std::map<std::string, ActiveSubscription, std::less<>> active_;  // by request key
  std::uint64_t published_total_ = 0;
  std::vector<Sink> sinks_;
  SinkId next_sink_id_ = 1;
  std::array<std::atomic<std::uint64_t>, 3> received_{};  // by Publisher
};

}  // namespace sluice::relay
