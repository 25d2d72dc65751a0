// The Relay with a broker: every publish goes to the broker, which numbers it for the whole
// cluster and delivers it back to every relay, this one included; what comes back is fanned
// out to the local subscribers exactly as a local publish is without a broker.
//
// Nothing is lost silently. Each topic's Position remembers the last sequence delivered here.
// A message that skips ahead, and every topic of a shard that has come back after an outage,
// starts a repair: the live messages of that topic are held (bounded by inbound_queue) while
// the missed ones are read from the broker's history and delivered first, in order; what the
// history no longer holds is announced to envelope subscribers as a gap. A topic whose shard
// lost its data (a new epoch) gets a reset notice, then its new numbering from the start.
//
// A subscriber that resumes (since=), or that is to get the newest message of retain_last
// topics, is subscribed in the broker first, then its history (or that newest message) is
// read; live messages that arrive meanwhile are held for it, and it goes live once the
// history, then those, are sent, each sequence once.
#include <algorithm>
#include <array>
#include <chrono>
#include <memory>

#include "relay/log_line.hpp"
#include "relay/relay.hpp"
#include "relay/subscriber_limits.hpp"
#include "relay/subscriber_output.hpp"
#include "topics/envelope.hpp"
#include "topics/sse_event.hpp"

namespace sluice::relay {

namespace {

// What a notice costs at most in a send queue, and how many a resumed topic may send (as in
// relay.cpp's replay).
constexpr std::size_t kNoticeBytes = 128 + max_topic_bytes;
constexpr std::size_t kNoticesPerTopic = 3;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Messages a repair reads from the broker in one call; a longer gap takes several.
constexpr std::size_t kRepairBatch = 1'000;
// Messages a resuming subscriber's read asks for, at most, per topic.
constexpr std::size_t kResumeMax = 10'000;

PublishTime time_of(std::int64_t ms) { return PublishTime(std::chrono::milliseconds(ms)); }

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split_epoch(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    const std::size_t dot = text.find('.');
    parts.emplace_back(text.substr(0, dot));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return parts;
}

}  // namespace

struct Relay::CatchUp {
  CatchUp(SubscriberHandle s, SubscriptionRequest r)
      : subscriber(s), loop(std::visit([](auto h) { return h.loop(); }, s)), request(std::move(r)) {}

  SubscriberHandle subscriber;
  LoopHandle loop;
  SubscriptionRequest request;
  bool closed = false;  // the subscriber went before its catch-up ended
  // Per resume point: whether it names this run.
  std::vector<bool> same_run;
  // Topics new to the subscriber whose newest message it gets first (retain_last).
  std::vector<std::string> retained;
  // What the broker read: one per resume point, then one per retained topic.
  std::vector<TopicRead> reads;
  std::size_t reads_pending = 0;
  // Live messages that arrived meanwhile, with their topic, in arrival order.
  std::vector<std::pair<std::string, StoredMessage>> held;
  std::size_t held_bytes = 0;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> dropped;  // topic: from, to
};

// The broker goes first, while everything its last callbacks touch is still here: freeing it
// answers every command in flight (with a failure), and those answers must find no new work.
Relay::~Relay() {
  closing_ = true;
  if (broker_) broker_.reset();
}

void Relay::use_broker(std::unique_ptr<Broker> broker, std::function<void(const std::string&)> on_state) {
  broker_ = std::move(broker);
  on_broker_state_ = std::move(on_state);
  shard_epochs_.assign(broker_->shards(), std::string());
}

void Relay::start_broker() {
  if (!broker_) return;
  if (on_broker_state_) on_broker_state_("the broker is not connected yet");
  broker_->start(*this);
}

std::optional<BrokerFigures> Relay::broker_figures() const {
  if (!broker_) return std::nullopt;
  return broker_->figures();
}

BrokerCounts Relay::broker_counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

BrokerPublish Relay::broker_message(std::string_view topic, std::string_view data, Opcode opcode) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const TopicConfig t = settings_->for_topic(topic);
  BrokerPublish m;
  m.topic = std::string(topic);
  m.payload = std::string(data);
  m.opcode = opcode;
  // The broker keeps the topic's history, or a little for repairs after a reconnect.
  m.keep =
      t.history > 0 ? t.history : std::max<std::size_t>(t.retain_last ? 1 : 0, broker_config_.repair_history);
  m.max_age = t.history_age;
  return m;
}

void Relay::hand_to_broker(BrokerPublish message, std::function<void(PublishOutcome)> done) {
  using Status = PublishOutcome::Status;
  // Held apart from the task, which a full queue drops unrun: the publisher is answered either way.
  auto answer = std::make_shared<std::function<void(PublishOutcome)>>(std::move(done));
  auto fail = [this](std::function<void(PublishOutcome)>& done, std::string why) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.publish_failed;
    }
    done({Status::unavailable, 0, 0, std::move(why)});
  };
  // To the broker's loop; the answer comes back there.
  const bool posted = server_.post([this, message = std::move(message), answer, fail]() mutable {
    if (!broker_->up()) {
      fail(*answer, "the broker is unreachable");
      return;
    }
    std::string topic = message.topic;
    broker_->publish(std::move(message), [this, topic, done = std::move(*answer)](PublishReceipt r) {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!r.ok) {
        ++counts_.publish_failed;
        lock.unlock();
        done({Status::unavailable, 0, 0, "the broker did not take the message: " + r.error});
        return;
      }
      PublishOutcome out{Status::ok, r.seq, subscribers_of(topic), {}};
      out.relays = r.relays;
      lock.unlock();
      done(std::move(out));
    });
  });
  if (!posted) fail(*answer, "the relay is overloaded: the broker's thread has too much work waiting");
}

std::optional<PublishOutcome> Relay::check(std::string_view topic, std::string_view data, Opcode opcode,
                                           Publisher who) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refuse(topic, data, opcode, who);
}

void Relay::publish_async(std::string_view topic, std::string_view data, Opcode opcode, Publisher who,
                          std::function<void(PublishOutcome)> done) {
  if (!broker_) {
    done(publish(topic, data, opcode, who));
    return;
  }
  received_[static_cast<std::size_t>(who)].fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto refused = refuse(topic, data, opcode, who)) {
      done(*refused);
      return;
    }
  }
  if (!broker_up()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.publish_failed;
    }
    done({PublishOutcome::Status::unavailable, 0, 0, "the broker is unreachable"});
    return;
  }
  hand_to_broker(broker_message(topic, data, opcode), std::move(done));
}

std::string Relay::cluster_epoch() const {
  std::string out;
  for (const std::string& e : shard_epochs_) {
    if (!out.empty()) out += '.';
    out += e;
  }
  return out;
}

// The client's epoch names one epoch per shard, in shard order ("a.b"): a topic's position is
// this run's when its shard's part is the shard's epoch now. Without an epoch, a position
// beyond the topic's last sequence is still recognised as another run's (read_for).
bool Relay::same_run(const SubscriptionRequest& request, std::string_view topic) const {
  if (request.epoch.empty()) return true;
  const std::vector<std::string> parts = split_epoch(request.epoch);
  if (parts.size() != shard_epochs_.size()) return false;
  const std::uint32_t shard = broker_->shard_of(topic);
  return parts[shard] == shard_epochs_[shard] && !parts[shard].empty();
}

// ---- Subscribers ---------------------------------------------------------------------------

void Relay::subscribe_through_broker(SubscriberHandle subscriber, const SubscriptionRequest& request) {
  server_.post([this, patterns = request.patterns] {
    for (const TopicPattern& p : patterns) broker_->watch(p);
  });
  std::lock_guard<std::mutex> lock(mutex_);
  std::visit(
      [&](auto h) { apply_subscriber_limits(h, settings_->for_topic(request.patterns.front().text())); },
      subscriber);
  // An event stream is told the cluster's epoch too: its events' ids are the cluster's sequences.
  if (request.format == Format::json || request.event_stream)
    SubscriberOutput(subscriber, request).notice(SubscribedNotice{cluster_epoch()});
  std::vector<std::string> retained = retained_topics(request);
  if (request.resume.empty() && retained.empty()) {
    // A new subscriber with nothing to catch up on: live from here on.
    std::visit([&](auto h) { h.subscribe(request.key); }, subscriber);
    add_active(request);
    return;
  }
  auto c = std::make_shared<CatchUp>(subscriber, request);
  for (const ResumePoint& p : request.resume) c->same_run.push_back(same_run(request, p.topic));
  c->retained = std::move(retained);
  catch_ups_.push_back(c);
  // Its history is read once its subscriptions are confirmed: nothing published after the
  // read can then be missed, and what is both read and held is sent once.
  server_.post([this, c] { broker_->when_subscribed([this, c](bool ok) { read_for(c, ok); }); });
}

std::vector<std::string> Relay::retained_topics(const SubscriptionRequest& request) const {
  // The exact topics it names, and those its wildcards match that the broker has delivered
  // here before; the broker keeps no list of topics to match a wildcard against.
  std::vector<std::string> out;
  auto consider = [&](std::string_view name) {
    if (request.resume_point(name) || !settings_->for_topic(name).retain_last) return;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
  };
  for (const TopicPattern& p : request.patterns)
    if (p.is_exact()) consider(p.text());
  for (const auto& [name, state] : topics_)
    if (state.broker_last > 0 && request.matches(name)) consider(name);
  return out;
}

void Relay::watch_through_broker(const std::string& topic, bool watch) {
  server_.post([this, pattern = *TopicPattern::parse(topic), watch] {
    if (watch) {
      broker_->watch(pattern);
    } else {
      broker_->unwatch(pattern);
    }
  });
}

bool Relay::drop_catch_up(SubscriberHandle subscriber) {
  for (auto it = catch_ups_.begin(); it != catch_ups_.end(); ++it) {
    if ((*it)->subscriber != subscriber) continue;
    (*it)->closed = true;
    held_ -= (*it)->held.size();
    catch_ups_.erase(it);
    return true;
  }
  return false;
}

void Relay::read_for(const std::shared_ptr<CatchUp>& c, bool subscribed) {
  std::vector<std::pair<std::string, std::uint64_t>> reads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (c->closed) return;
    c->reads.assign(c->request.resume.size() + c->retained.size(), TopicRead{});
    if (!subscribed) {
      c->reads_pending = 0;
    } else {
      c->reads_pending = c->reads.size();
      for (std::size_t i = 0; i < c->request.resume.size(); ++i) {
        const ResumePoint& p = c->request.resume[i];
        reads.emplace_back(p.topic, c->same_run[i] ? p.after : 0);
      }
      for (const std::string& topic : c->retained) reads.emplace_back(topic, kNewestOnly);
    }
  }
  if (closing_) return;
  if (reads.empty()) {
    c->loop.post([this, c] { finish_catch_up(c); });
    return;
  }
  for (std::size_t i = 0; i < reads.size(); ++i) {
    auto [topic, after] = reads[i];
    const TopicConfig t = settings_for(topic);
    const bool newest = after == kNewestOnly;  // a retained value, kept whatever its age
    const std::chrono::milliseconds age = newest ? std::chrono::milliseconds(0) : t.history_age;
    broker_->read(topic, after, newest ? 1 : kResumeMax, age, [this, c, i, topic, t](TopicRead r) {
      std::unique_lock<std::mutex> lock(mutex_);
      if (c->closed) return;
      // A position beyond the topic's last sequence is another run's: read it from the start.
      if (r.ok && i < c->same_run.size() && c->same_run[i] && c->request.resume[i].after > r.last &&
          !closing_) {
        c->same_run[i] = false;
        lock.unlock();
        broker_->read(topic, 0, kResumeMax, t.history_age, [this, c, i](TopicRead again) {
          std::lock_guard<std::mutex> relock(mutex_);
          if (c->closed) return;
          c->reads[i] = std::move(again);
          if (--c->reads_pending == 0) c->loop.post([this, c] { finish_catch_up(c); });
        });
        return;
      }
      c->reads[i] = std::move(r);
      if (--c->reads_pending == 0) c->loop.post([this, c] { finish_catch_up(c); });
    });
  }
}

// On the subscriber's own loop.
void Relay::finish_catch_up(const std::shared_ptr<CatchUp>& c) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (c->closed) return;
  const SubscriptionRequest& request = c->request;
  for (auto it = catch_ups_.begin(); it != catch_ups_.end(); ++it) {
    if (*it != c) continue;
    catch_ups_.erase(it);
    break;
  }
  held_ -= c->held.size();
  c->closed = true;
  for (const TopicRead& r : c->reads) {
    if (r.ok) continue;
    // Its history cannot be had now: the client reconnects and resumes from where it stood (an
    // EventSource does so by itself, with Last-Event-ID).
    if (auto* ws = std::get_if<WebSocket>(&c->subscriber)) {
      ws->close(close_code::try_again_later, "the broker is unreachable; resume again shortly");
    } else {
      std::get<HttpStream>(c->subscriber).end();
    }
    return;
  }
  const TopicConfig entry = settings_->for_topic(request.patterns.front().text());
  const CatchUpRoom room{entry.max_buffered_bytes.value_or(max_buffered_bytes_),
                         queued_message_cost(kNoticeBytes) * (kNoticesPerTopic * request.resume.size() + 1)};
  // Gaps are told to a JSON WebSocket and to an event stream; a raw WebSocket has no notices.
  const bool notices = request.format == Format::json || request.event_stream;
  SubscriberOutput out(c->subscriber, request);
  auto send = [&](std::string_view topic, const StoredMessage& m) {
    return out.message(topic, HistoryEntry(m.seq, m.opcode, time_of(m.time_ms), bytes_of(m.payload)), room);
  };
  std::map<std::string, std::uint64_t, std::less<>> sent;  // topic: last sequence sent
  for (std::size_t i = 0; i < request.resume.size(); ++i) {
    const ResumePoint& point = request.resume[i];
    const TopicRead& r = c->reads[i];
    std::uint64_t expected = point.after + 1;
    if (!c->same_run[i]) {
      out.notice(ResetNotice{point.topic, point.after, r.last});
      expected = 1;
    }
    bool cut = false;
    for (const StoredMessage& m : r.entries) {
      if (m.seq < expected) continue;
      if (m.seq > expected && notices)
        out.notice(GapNotice{point.topic, expected, m.seq - 1, GapReason::evicted});
      if (!send(point.topic, m)) {
        if (notices) out.notice(GapNotice{point.topic, m.seq, r.last, GapReason::dropped});
        cut = true;
        break;
      }
      expected = m.seq + 1;
    }
    if (!cut && r.last >= expected && notices)
      out.notice(GapNotice{point.topic, expected, r.last, GapReason::evicted});
    sent[point.topic] = r.last;
  }
  for (std::size_t j = 0; j < c->retained.size(); ++j) {
    const std::string& topic = c->retained[j];
    const TopicRead& r = c->reads[request.resume.size() + j];
    if (!r.entries.empty() && !send(topic, r.entries.back()) && notices)
      out.notice(GapNotice{topic, r.entries.back().seq, r.entries.back().seq, GapReason::dropped});
    sent[topic] = r.last;  // what was published before the read is not this subscriber's
  }
  // What arrived live while the history was read: each sequence once, after the history.
  for (const auto& [topic, m] : c->held) {
    auto& last = sent[topic];
    if (m.seq <= last) continue;
    if (notices && last != 0 && m.seq > last + 1)
      out.notice(GapNotice{topic, last + 1, m.seq - 1, GapReason::evicted});
    send(topic, m);
    last = m.seq;
  }
  for (const auto& [topic, range] : c->dropped)
    if (notices) out.notice(GapNotice{topic, range.first, range.second, GapReason::dropped});
  std::visit([&](auto h) { h.subscribe(request.key); }, c->subscriber);
  add_active(request);
}

// ---- What the broker delivers --------------------------------------------------------------

bool Relay::wanted(std::string_view topic) const {
  for (const auto& [key, active] : active_)
    if (active.request.matches(topic)) return true;
  for (const auto& c : catch_ups_)
    if (c->request.matches(topic)) return true;
  for (const Sink& sink : sinks_)
    if (sink.topic == topic) return true;
  return false;
}

void Relay::notify(std::string_view topic, const std::string& json, const std::string& sse) {
  for (const auto& [key, active] : active_) {
    if (!active.request.matches(topic)) continue;
    if (active.request.event_stream) {
      server_.publish(key, sse, Opcode::text);
    } else if (active.request.format == Format::json) {
      server_.publish(key, json, Opcode::text);
    }
  }
}

void Relay::fan_out(std::string_view topic, const StoredMessage& m) {
  TopicState& state = state_for(topic);
  ++state.published;
  ++published_total_;
  state.broker_last = m.seq;
  state.rate.add(m.time_ms / 1000);
  ++counts_.delivered;
  counts_.lag_ms = wall_ms() - m.time_ms;
  std::string json;                   // the envelope, made once for every json subscription it reaches
  std::array<std::string, 4> events;  // an event stream's text, by format and id shape
  const EnvelopeMessage message{topic, m.seq, time_of(m.time_ms), m.opcode, bytes_of(m.payload)};
  const std::optional<sluice::Compression> compression = settings_->for_topic(topic).compression;
  for (const auto& [key, active] : active_) {
    if (!active.request.matches(topic)) continue;
    if (active.request.event_stream) {
      const bool topic_in_id = active.request.single_topic().empty();
      std::string& text = events[(active.request.format == Format::json ? 2 : 0) + (topic_in_id ? 1 : 0)];
      if (text.empty()) text = sse_message(message, active.request.format, topic_in_id);
      server_.publish(key, text, Opcode::text);
      continue;
    }
    if (active.request.format == Format::raw) {
      to_websockets(key, m.payload, m.opcode, compression);
      continue;
    }
    if (json.empty()) json = envelope(message);
    to_websockets(key, json, Opcode::text, compression);
  }
  for (const Sink& sink : sinks_)
    if (sink.topic == topic) sink.deliver(m.payload, m.opcode);
  for (const auto& c : catch_ups_) {
    if (!c->request.matches(topic)) continue;
    if (held_ >= broker_config_.inbound_queue || c->held_bytes + m.payload.size() > max_buffered_bytes_) {
      auto [it, fresh] = c->dropped.try_emplace(std::string(topic), m.seq, m.seq);
      if (!fresh) it->second.second = m.seq;
      ++counts_.dropped;
      continue;
    }
    c->held.emplace_back(std::string(topic), m);
    c->held_bytes += m.payload.size();
    ++held_;
  }
}

void Relay::on_broker_message(std::string_view topic, const BrokerMessage& message) {
  std::vector<std::pair<std::string, std::uint64_t>> repairs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!wanted(topic)) return;  // a pattern's glob is wider than the pattern
    auto it = positions_.find(topic);
    if (it == positions_.end()) it = positions_.emplace(std::string(topic), Position{}).first;
    Position& p = it->second;
    StoredMessage m{message.seq, message.time_ms, message.opcode, std::string(message.payload)};
    if (!p.epoch.empty() && message.epoch != p.epoch && !p.repairing) {
      // The shard lost its data: numbering begins again; say so, then read it from the start.
      ++counts_.resets;
      notify(topic, envelope(ResetNotice{topic, p.last, 0}), sse_notice(ResetNotice{topic, p.last, 0}));
      p.last = 0;
      p.epoch = std::string(message.epoch);
      p.repairing = true;
      repairs.emplace_back(std::string(topic), 0);
    }
    if (p.repairing) {
      if (held_ < broker_config_.inbound_queue) {
        p.held.push_back(std::move(m));
        ++held_;
      } else {
        ++counts_.dropped;  // read again by the next repair: the sequence will jump
      }
    } else if (p.last != 0 && message.seq <= p.last) {
      ++counts_.duplicates;
    } else if (p.last != 0 && message.seq > p.last + 1) {
      p.repairing = true;
      p.held.push_back(std::move(m));
      ++held_;
      repairs.emplace_back(std::string(topic), p.last);
    } else {
      p.epoch = std::string(message.epoch);
      p.last = message.seq;
      fan_out(topic, m);
    }
  }
  start_repairs(std::move(repairs));
}

void Relay::start_repairs(std::vector<std::pair<std::string, std::uint64_t>> reads) {
  if (closing_) return;
  for (auto& [topic, after] : reads) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.repairs;
    }
    const auto age = settings_for(topic).history_age;
    broker_->read(topic, after, kRepairBatch, age, [this, topic](TopicRead r) {
      std::vector<std::pair<std::string, std::uint64_t>> more;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        more = finish_repair(topic, r);
      }
      start_repairs(std::move(more));
    });
  }
}

std::vector<std::pair<std::string, std::uint64_t>> Relay::finish_repair(const std::string& topic,
                                                                        const TopicRead& r) {
  auto it = positions_.find(topic);
  if (it == positions_.end()) return {};
  Position& p = it->second;
  if (!r.ok) {
    // The shard went down again; the repair starts over when it is back.
    p.read_failed = true;
    return {};
  }
  if (!p.epoch.empty() && r.epoch != p.epoch) {
    ++counts_.resets;
    notify(topic, envelope(ResetNotice{topic, p.last, r.last}),
           sse_notice(ResetNotice{topic, p.last, r.last}));
    p.epoch = r.epoch;
    p.last = 0;
    return {{topic, 0}};
  }
  p.epoch = r.epoch;
  std::uint64_t expected = p.last + 1;
  for (const StoredMessage& m : r.entries) {
    if (m.seq < expected) continue;
    if (m.seq > expected) {
      ++counts_.gaps;
      notify(topic, envelope(GapNotice{topic, expected, m.seq - 1, GapReason::evicted}),
             sse_notice(GapNotice{topic, expected, m.seq - 1, GapReason::evicted}));
    }
    fan_out(topic, m);
    ++counts_.repaired;
    p.last = m.seq;
    expected = m.seq + 1;
  }
  if (r.entries.size() == kRepairBatch && r.last >= expected) return {{topic, p.last}};  // more to read
  if (r.last >= expected) {
    ++counts_.gaps;
    notify(topic, envelope(GapNotice{topic, expected, r.last, GapReason::evicted}),
           sse_notice(GapNotice{topic, expected, r.last, GapReason::evicted}));
    p.last = r.last;
    expected = r.last + 1;
  }
  // Then what arrived live meanwhile, each sequence once.
  std::vector<StoredMessage> held = std::move(p.held);
  p.held.clear();
  held_ -= held.size();
  p.repairing = false;
  p.read_failed = false;
  for (StoredMessage& m : held) {
    if (m.seq < expected) continue;
    if (m.seq > expected) {
      // Dropped while held (inbound_queue was full): read them again.
      p.repairing = true;
      for (auto rest = &m; rest != held.data() + held.size(); ++rest) {
        p.held.push_back(std::move(*rest));
        ++held_;
      }
      return {{topic, p.last}};
    }
    fan_out(topic, m);
    p.last = m.seq;
    expected = m.seq + 1;
  }
  return {};
}

void Relay::on_shard_up(std::uint32_t shard, std::string_view epoch) {
  std::vector<std::pair<std::string, std::uint64_t>> repairs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string before = cluster_epoch();
    shard_epochs_[shard] = std::string(epoch);
    const std::string after = cluster_epoch();
    // Clients resume with the epoch of their last `subscribed` frame: give them the new one.
    if (before != after && before.find_first_not_of('.') != std::string::npos) {
      for (const auto& [key, active] : active_) {
        if (active.request.event_stream) {
          server_.publish(key, sse_notice(SubscribedNotice{after}), Opcode::text);
        } else if (active.request.format == Format::json) {
          server_.publish(key, envelope(SubscribedNotice{after}), Opcode::text);
        }
      }
    }
    // Every topic of the shard may have missed messages while it was away: check each now.
    for (auto it = positions_.begin(); it != positions_.end();) {
      if (!wanted(it->first)) {
        held_ -= it->second.held.size();
        it = positions_.erase(it);
        continue;
      }
      Position& p = it->second;
      if (broker_->shard_of(it->first) == shard && (!p.repairing || p.read_failed)) {
        p.repairing = true;
        p.read_failed = false;
        repairs.emplace_back(it->first, p.last);
      }
      ++it;
    }
  }
  const bool up = broker_->up();
  broker_up_.store(up, std::memory_order_relaxed);
  if (up && on_broker_state_) on_broker_state_("");
  start_repairs(std::move(repairs));
}

void Relay::on_shard_down(std::uint32_t shard, const std::string& why) {
  broker_up_.store(false, std::memory_order_relaxed);
  if (on_broker_state_) on_broker_state_("broker shard " + std::to_string(shard) + " unreachable: " + why);
}

}  // namespace sluice::relay
