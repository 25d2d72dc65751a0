#include "relay/relay.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <random>

#include "relay/log_line.hpp"
#include "text/utf8.hpp"
#include "topics/envelope.hpp"
#include "topics/sse_event.hpp"

namespace sluice::relay {

// What a notice costs at most in a send queue: its envelope is short.
constexpr std::size_t kNoticeBytes = 128 + max_topic_bytes;
// A resumed topic sends at most three notices: a reset, a gap for what the history no longer
// holds, and a gap where the cap cut its replay.
constexpr std::size_t kNoticesPerTopic = 3;

namespace {

PublishTime now_ms() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t second_of(PublishTime t) { return t.time_since_epoch().count() / 1000; }

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool allowed(const PublishRights& rights, Publisher who) {
  switch (who) {
    case Publisher::http: return rights.http;
    case Publisher::client: return rights.clients;
    case Publisher::source: return rights.sources;
  }
  return false;
}

// A published message as an event stream's event: one text per format and id shape, made the
// first time a subscription needs it.
class EventTexts {
 public:
  const std::string& of(const EnvelopeMessage& m, const SubscriptionRequest& r) {
    const bool topic_in_id = r.single_topic().empty();
    std::string& text = texts_[(r.format == Format::json ? 2 : 0) + (topic_in_id ? 1 : 0)];
    if (text.empty()) text = sse_message(m, r.format, topic_in_id);
    return text;
  }

 private:
  std::array<std::string, 4> texts_;
};

void send_history(SubscriberOutput& out, std::string_view topic, const HistoryRing::Since& since,
                  const CatchUpRoom& room) {
  if (since.status == SinceStatus::gap)
    out.notice(GapNotice{topic, since.missing_from, since.missing_to, GapReason::evicted});
  for (const HistoryEntry& e : since.entries) {
    if (out.message(topic, e, room)) continue;
    out.notice(GapNotice{topic, e.seq(), since.last, GapReason::dropped});
    return;
  }
}

// 64 random bits in hex: two runs of the relay share an epoch with negligible probability.
std::string new_epoch() {
  std::random_device random;
  const std::uint64_t bits = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  return fmt::format("{:016x}", bits);
}

}  // namespace

Relay::Relay(sluice::Server& server, const RelayConfig& config)
    : server_(server),
      epoch_(new_epoch()),
      max_buffered_bytes_(config.server.max_buffered_bytes),
      broker_config_(config.broker) {
  apply(config);
}

void Relay::apply(const RelayConfig& config) {
  auto settings = std::make_shared<const TopicSettings>(config.topics);
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = std::move(settings);
  max_message_size_ = config.server.max_message_size;
  for (auto& [name, state] : topics_) state.history.set_limits(history_limits(settings_->for_topic(name)));
}

sluice::PublishResult Relay::to_websockets(std::string_view key, std::string_view data, sluice::Opcode opcode,
                                           std::optional<sluice::Compression> compression) {
  return compression ? server_.publish(key, data, opcode, *compression) : server_.publish(key, data, opcode);
}

TopicConfig Relay::settings_for(std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return settings_->for_topic(topic);
}

std::size_t Relay::max_message_size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return max_message_size_;
}

Relay::TopicState& Relay::state_for(std::string_view topic) {
  auto it = topics_.find(topic);
  if (it == topics_.end())
    it = topics_.emplace(std::string(topic), TopicState(history_limits(settings_->for_topic(topic)))).first;
  return it->second;
}

std::uint64_t Relay::subscribers_of(std::string_view topic) const {
  std::uint64_t n = 0;
  for (const auto& [key, active] : active_)
    if (active.request.matches(topic)) n += active.connections;
  return n;
}

std::optional<PublishOutcome> Relay::refuse(std::string_view topic, std::string_view data, Opcode opcode,
                                            Publisher who) const {
  using Status = PublishOutcome::Status;
  if (TopicCheck check = check_topic_name(topic); check != TopicCheck::ok)
    return PublishOutcome{Status::bad_topic, 0, 0, "topic name " + std::string(describe(check))};
  if (opcode == Opcode::text && !is_valid_utf8(data))
    return PublishOutcome{Status::invalid_text, 0, 0, "text is not valid UTF-8"};
  if (!allowed(settings_->for_topic(topic).publish, who))
    return PublishOutcome{Status::not_allowed, 0, 0,
                          "this topic's settings do not allow publishing from here"};
  if (data.size() > max_message_size_)
    return PublishOutcome{Status::too_large, 0, 0, "message larger than max_message_size"};
  return std::nullopt;
}

PublishOutcome Relay::publish(std::string_view topic, std::string_view data, Opcode opcode, Publisher who) {
  using Status = PublishOutcome::Status;
  received_[static_cast<std::size_t>(who)].fetch_add(1, std::memory_order_relaxed);
  if (broker_) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto refused = refuse(topic, data, opcode, who)) return *refused;
    }
    if (!broker_up()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.publish_failed;
      return {Status::unavailable, 0, 0, "the broker is unreachable"};
    }
    // Nobody waits for the answer (a client's or a source's message): a failure is counted.
    hand_to_broker(broker_message(topic, data, opcode), [](PublishOutcome) {});
    PublishOutcome out{Status::ok, 0, 0, {}};
    std::lock_guard<std::mutex> lock(mutex_);
    out.blocked = blocked_key(topic) != nullptr;  // this relay's subscribers hold the producer back
    return out;
  }
  const PublishTime time = now_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto refused = refuse(topic, data, opcode, who)) return *refused;
  TopicState& state = state_for(topic);
  const std::uint64_t seq = state.history.push(opcode, time, bytes_of(data));
  ++state.published;
  ++published_total_;
  state.rate.add(second_of(time));

  PublishOutcome out{Status::ok, seq, 0, {}};
  std::string json;   // the envelope, made once for every json subscription it reaches
  EventTexts events;  // and the events, once per shape, for event streams
  const EnvelopeMessage message{topic, seq, time, opcode, bytes_of(data)};
  const std::optional<sluice::Compression> compression = settings_->for_topic(topic).compression;
  for (const auto& [key, active] : active_) {
    if (!active.request.matches(topic)) continue;
    out.subscribers += active.connections;
    if (active.request.event_stream) {
      state.dropped += server_.publish(key, events.of(message, active.request), Opcode::text).dropped;
    } else if (active.request.format == Format::raw) {
      state.dropped += to_websockets(key, data, opcode, compression).dropped;
    } else {
      if (json.empty()) json = envelope(message);
      state.dropped += to_websockets(key, json, Opcode::text, compression).dropped;
    }
    out.blocked = out.blocked || server_.topic_blocked(key);
  }
  for (const Sink& sink : sinks_) {
    if (sink.topic != topic) continue;
    sink.deliver(data, opcode);
    ++out.subscribers;
  }
  return out;
}

const std::string* Relay::blocked_key(std::string_view topic) const {
  for (const auto& [key, active] : active_) {
    if (active.request.matches(topic) && server_.topic_blocked(key)) return &key;
  }
  return nullptr;
}

bool Relay::topic_blocked(std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return blocked_key(topic) != nullptr;
}

void Relay::when_topic_unblocked(std::string_view topic, std::function<void()> fn) {
  std::string key;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string* blocked = blocked_key(topic);
    // Not blocked now: any engine topic that is not blocked runs `fn` in the next turn.
    key = blocked ? *blocked : std::string(topic);
  }
  // One subscription at a time: once this one clears, the topic is asked again, since another
  // subscription matching it may still be blocked.
  server_.when_topic_unblocked(key, [this, topic = std::string(topic), fn = std::move(fn)]() mutable {
    if (topic_blocked(topic)) {
      when_topic_unblocked(topic, std::move(fn));
    } else {
      fn();
    }
  });
}

Relay::SinkId Relay::add_sink(std::string topic, SinkDeliver deliver) {
  if (broker_) watch_through_broker(topic, true);
  std::lock_guard<std::mutex> lock(mutex_);
  const SinkId id = next_sink_id_++;
  sinks_.push_back(Sink{id, std::move(topic), std::move(deliver)});
  return id;
}

void Relay::remove_sink(SinkId id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(sinks_, [this, id](const Sink& s) {
    if (s.id != id) return false;
    if (broker_) watch_through_broker(s.topic, false);
    return true;
  });
}

void Relay::subscribe(WebSocket ws, const SubscriptionRequest& request) {
  if (broker_) return subscribe_through_broker(ws, request);
  subscribe_here(ws, request);
}

void Relay::subscribe(HttpStream stream, const SubscriptionRequest& request) {
  if (broker_) return subscribe_through_broker(stream, request);
  subscribe_here(stream, request);
}

template <typename Handle>
void Relay::subscribe_here(Handle subscriber, const SubscriptionRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  // The most specific settings of its first pattern govern the connection's own limits.
  const TopicConfig& entry = settings_->for_topic(request.patterns.front().text());
  apply_subscriber_limits(subscriber, entry);
  SubscriberOutput out(subscriber, request);
  replay(out, request, entry);
  subscriber.subscribe(request.key);
  add_active(request);
}

void Relay::add_active(const SubscriptionRequest& request) {
  auto it = active_.find(request.key);
  if (it == active_.end()) it = active_.emplace(request.key, ActiveSubscription{request, 0}).first;
  ++it->second.connections;
}

void Relay::unsubscribe(SubscriberHandle subscriber, const SubscriptionRequest& request) {
  if (broker_) {
    server_.post([this, patterns = request.patterns] {
      for (const TopicPattern& p : patterns) broker_->unwatch(p);
    });
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (drop_catch_up(subscriber)) return;  // not live yet: it was never counted active
  auto it = active_.find(request.key);
  if (it == active_.end()) return;
  if (--it->second.connections == 0) active_.erase(it);
}

void Relay::replay(SubscriberOutput& out, const SubscriptionRequest& request, const TopicConfig& entry) {
  // An event stream is told the run too: its events' ids are this run's sequence numbers.
  if (request.format == Format::json || request.event_stream) out.notice(SubscribedNotice{epoch_});
  const bool same_run = request.epoch.empty() || request.epoch == epoch_;
  const CatchUpRoom room{entry.max_buffered_bytes.value_or(max_buffered_bytes_),
                         queued_message_cost(kNoticeBytes) * (kNoticesPerTopic * request.resume.size() + 1)};
  for (const ResumePoint& point : request.resume) resume(out, point, same_run, room);
  // Every other matching topic is new to this client: it gets the retained value, if kept.
  for (auto& [name, state] : topics_) {
    if (!request.matches(name) || request.resume_point(name) || !state.history.limits().retain_last) continue;
    const HistoryEntry* last = state.history.last();
    if (last && !out.message(name, *last, room) && (request.format == Format::json || request.event_stream))
      out.notice(GapNotice{name, last->seq(), last->seq(), GapReason::dropped});
  }
}

void Relay::resume(SubscriberOutput& out, const ResumePoint& point, bool same_run, const CatchUpRoom& room) {
  // Looked up, not created: a client naming topics nobody published to must not make them.
  auto it = topics_.find(point.topic);
  HistoryRing* history = it == topics_.end() ? nullptr : &it->second.history;
  if (history) history->expire(now_ms());
  const std::uint64_t last = history ? history->last_seq() : 0;
  if (!same_run || point.after > last) {
    // The position is from another run: say so, then give this run's history from its start.
    out.notice(ResetNotice{point.topic, point.after, last});
    if (!history) return;
    send_history(out, point.topic, history->since(0), room);
    return;
  }
  if (history) send_history(out, point.topic, history->since(point.after), room);
}

TopicSummary Relay::summary(const std::string& name, const TopicState& state, std::int64_t now_second) const {
  TopicSummary s;
  s.name = name;
  s.subscribers = subscribers_of(name);
  s.last_seq = broker_ ? state.broker_last : state.history.last_seq();
  s.published = state.published;
  s.messages_per_second = state.rate.per_second(now_second);
  s.history_messages = state.history.size();
  s.history_bytes = state.history.bytes_held();
  s.dropped = state.dropped;
  return s;
}

std::vector<TopicSummary> Relay::topics() const {
  const std::int64_t now = second_of(now_ms());
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TopicSummary> out;
  out.reserve(topics_.size());
  for (const auto& [name, state] : topics_) out.push_back(summary(name, state, now));
  return out;
}

std::optional<TopicSummary> Relay::topic(std::string_view name) const {
  const std::int64_t now = second_of(now_ms());
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    std::uint64_t subscribers = subscribers_of(name);
    if (subscribers == 0) return std::nullopt;
    TopicSummary s;
    s.name = std::string(name);
    s.subscribers = subscribers;
    return s;
  }
  return summary(it->first, it->second, now);
}

std::size_t Relay::history_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t total = 0;
  for (const auto& [name, state] : topics_) total += state.history.bytes_held();
  return total;
}

std::uint64_t Relay::published_total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return published_total_;
}

}  // namespace sluice::relay
