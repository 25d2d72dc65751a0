#include "relay/relay.hpp"

#include <chrono>

#include "text/utf8.hpp"
#include "topics/envelope.hpp"

namespace sluice::relay {

namespace {

PublishTime now_ms() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t second_of(PublishTime t) { return t.time_since_epoch().count() / 1000; }

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string_view text_of(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bool allowed(const PublishRights& rights, Publisher who) {
  switch (who) {
    case Publisher::http: return rights.http;
    case Publisher::client: return rights.clients;
    case Publisher::source: return rights.sources;
  }
  return false;
}

bool delivered(SendStatus s) { return s == SendStatus::sent || s == SendStatus::queued; }

}  // namespace

Relay::Relay(sluice::Server& server, const RelayConfig& config) : server_(server) { apply(config); }

void Relay::apply(const RelayConfig& config) {
  auto settings = std::make_shared<const TopicSettings>(config.topics);
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = std::move(settings);
  max_message_size_ = config.server.max_message_size;
  for (auto& [name, state] : topics_) state.history.set_limits(history_limits(settings_->for_topic(name)));
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

PublishOutcome Relay::publish(std::string_view topic, std::string_view data, Opcode opcode, Publisher who) {
  using Status = PublishOutcome::Status;
  received_[static_cast<std::size_t>(who)].fetch_add(1, std::memory_order_relaxed);
  if (TopicCheck check = check_topic_name(topic); check != TopicCheck::ok)
    return {Status::bad_topic, 0, 0, "topic name " + std::string(describe(check))};
  if (opcode == Opcode::text && !is_valid_utf8(data))
    return {Status::invalid_text, 0, 0, "text is not valid UTF-8"};
  const PublishTime time = now_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!allowed(settings_->for_topic(topic).publish, who))
    return {Status::not_allowed, 0, 0, "this topic's settings do not allow publishing from here"};
  if (data.size() > max_message_size_)
    return {Status::too_large, 0, 0, "message larger than max_message_size"};
  TopicState& state = state_for(topic);
  const std::uint64_t seq = state.history.push(opcode, time, bytes_of(data));
  ++state.published;
  ++published_total_;
  state.rate.add(second_of(time));

  PublishOutcome out{Status::ok, seq, 0, {}};
  std::string json;  // the envelope, made once for every json subscription it reaches
  for (const auto& [key, active] : active_) {
    if (!active.request.matches(topic)) continue;
    out.subscribers += active.connections;
    if (active.request.format == Format::raw) {
      state.dropped += server_.publish(key, data, opcode).dropped;
      continue;
    }
    if (json.empty()) json = envelope(EnvelopeMessage{topic, seq, time, opcode, bytes_of(data)});
    state.dropped += server_.publish(key, json, Opcode::text).dropped;
  }
  return out;
}

void Relay::subscribe(WebSocket ws, const SubscriptionRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  replay(ws, request);
  ws.subscribe(request.key);
  auto it = active_.find(request.key);
  if (it == active_.end()) it = active_.emplace(request.key, ActiveSubscription{request, 0}).first;
  ++it->second.connections;
}

void Relay::unsubscribe(const SubscriptionRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(request.key);
  if (it == active_.end()) return;
  if (--it->second.connections == 0) active_.erase(it);
}

void Relay::replay(WebSocket ws, const SubscriptionRequest& request) {
  auto send_entry = [&](std::string_view topic, const HistoryEntry& e) {
    if (request.format == Format::raw) return ws.send(text_of(e.payload()), e.opcode());
    return ws.send_text(envelope(EnvelopeMessage{topic, e.seq(), e.time(), e.opcode(), e.payload()}));
  };
  if (!request.since) {  // a new subscriber gets each matching topic's retained value
    for (auto& [name, state] : topics_) {
      if (!request.matches(name) || !state.history.limits().retain_last) continue;
      if (const HistoryEntry* last = state.history.last()) send_entry(name, *last);
    }
    return;
  }
  const std::string topic(request.single_topic());
  TopicState& state = state_for(topic);
  state.history.expire(now_ms());
  HistoryRing::Since since = state.history.since(*request.since);
  if (since.status == SinceStatus::ahead) {
    ws.send_text(envelope(ResetNotice{topic, *request.since, since.last}));
    return;
  }
  if (since.status == SinceStatus::gap)
    ws.send_text(envelope(GapNotice{topic, since.missing_from, since.missing_to, GapReason::evicted}));
  for (const HistoryEntry& e : since.entries) {
    if (delivered(send_entry(topic, e))) continue;
    // The subscriber's cap or policy refused the replay: it is told what it will not get.
    ws.send_text(envelope(GapNotice{topic, e.seq(), since.last, GapReason::evicted}));
    return;
  }
}

TopicSummary Relay::summary(const std::string& name, const TopicState& state, std::int64_t now_second) const {
  TopicSummary s;
  s.name = name;
  s.subscribers = subscribers_of(name);
  s.last_seq = state.history.last_seq();
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
