// The write side of a Connection: the WebSocket calls that send, the one place where the cap
// and the process budget are checked (enqueue_message; a control reply is charged too, and a
// pong superseded by a newer one, but neither is refused), and the flush that writes the outbox
// before the loop sleeps. The bookkeeping is the Outbox's; what is decided here is what the
// connection does about it: the policy's verdict, on_drain, closing a slow consumer.
#include <algorithm>
#include <optional>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "send/slow_consumer.hpp"

namespace sluice::detail {

FrameRef Connection::encode_control(Opcode opcode, std::string_view payload) const {
  return encode(opcode, payload);
}

SendStatus Connection::send(std::string_view data, Opcode opcode) {
  if (!session_.is_open()) return SendStatus::closed;
  if (opcode != Opcode::text && opcode != Opcode::binary) opcode = Opcode::binary;
  if (data.size() > kMaxFramePayload) [[unlikely]]
    return SendStatus::dropped;
  if (deflate_negotiated() && data.size() >= ep_.limits().compression_threshold) [[unlikely]]
    return send_compressed(data, opcode);
  return enqueue_message(encode(opcode, data), 0, std::nullopt);
}

SendStatus Connection::send_compressed(std::string_view data, Opcode opcode) {
  // Out of send(): a frame handle returned from compress() lives in memory, and in send() it
  // would keep every handle of the uncompressed path there too.
  if (FrameRef frame = compress(opcode, data)) return enqueue_message(std::move(frame), 0, std::nullopt);
  return enqueue_message(encode(opcode, data), 0, std::nullopt);
}

SendStatus Connection::ping(std::string_view payload) {
  if (!session_.is_open()) return SendStatus::closed;
  // The application's pings are messages as far as the cap goes: a loop of ping() calls must
  // not grow the queue either.
  FrameRef frame = encode_control(Opcode::ping, payload.substr(0, kMaxControlPayload));
  const std::size_t charge = SendQueue::charge_of(*frame.get());
  if (over_cap(outbox_.queue(), charge, outbox_.cap(ep_.limits())) ||
      !ep_.allowance().admits(SendQueue::budget_of(*frame.get()), outbox_.charge() + charge))
    return SendStatus::dropped;
  return enqueue_control(std::move(frame));
}

SendStatus Connection::send_chunk(std::string_view chunk) {
  if (!session_.is(ConnState::streaming)) return SendStatus::closed;
  if (chunk.size() > kMaxFramePayload) [[unlikely]]
    return SendStatus::dropped;
  return enqueue_message(raw_bytes(chunk), 0, std::nullopt);
}

SendStatus Connection::publish(FrameRef frame, std::uint32_t tag,
                               std::optional<SlowConsumerPolicy> topic_policy) {
  if (!session_.sends()) return SendStatus::closed;
  return enqueue_message(std::move(frame), tag, topic_policy);
}

// The caller has checked that the connection sends (session_.sends()).
[[gnu::always_inline]] inline SendStatus Connection::enqueue_message(
    FrameRef frame, std::uint32_t tag, std::optional<SlowConsumerPolicy> topic_policy) {
  const SendQueue::Charge charge = SendQueue::charges(*frame.get());
  const std::size_t after = outbox_.charge() + charge.cap;
  // A message always fits an empty queue as far as the connection's cap goes, but never the
  // process past its budget.
  const bool over_budget = !ep_.allowance().admits(charge.budget, after);
  if (over_budget || (!outbox_.empty() && after > outbox_.cap(ep_.limits()))) [[unlikely]] {
    std::optional<SendStatus> refused = at_cap(*frame.get(), tag, policy_for(topic_policy), over_budget);
    if (refused) return *refused;
  }
  SendStatus status = outbox_.is(Outbox::write_armed) ? SendStatus::queued : SendStatus::sent;
  push(frame.release_ownership(), tag, charge);
  request_flush();
  return status;
}

void Connection::publish_each(std::span<Connection* const> subscribers, const FrameRef& frame,
                              std::uint32_t tag, std::optional<SlowConsumerPolicy> topic_policy,
                              OutcomeTally& tally) {
  // One loop with the per-message steps inline: a call per subscriber would cost about as much
  // as queueing the frame. Every subscriber's reference is taken at once; one refused gives its
  // own back.
  FrameBuffer* f = frame.get();
  f->retain(static_cast<std::uint32_t>(subscribers.size()));
  for (Connection* c : subscribers) {
    FrameRef ref(f);  // given back here if the subscriber no longer sends
    tally.add(c->session_.sends() ? c->enqueue_message(std::move(ref), tag, topic_policy)
                                  : SendStatus::closed);
  }
}

std::optional<SendStatus> Connection::at_cap(const FrameBuffer& frame, std::uint32_t tag,
                                             SlowConsumerPolicy policy, bool over_budget) {
  const Limits& l = ep_.limits();
  // An at-cap episode lasts until the queue drains below the low watermark: reading pauses and
  // close_grace counts from its start.
  if (!over_low_watermark()) backlog_rose();
  const std::uint32_t now = now32();
  std::uint32_t& since = extras().over_cap_since;
  if (!outbox_.is(Outbox::at_cap)) {
    since = now;
    outbox_.set(Outbox::at_cap, true);
    update_interest();  // stop reading now: a stalled socket may not flush again for long
  }
  if (over_budget) {
    ep_.counters().budget_refusals.add(1);
    log(LogLevel::warn, "{}: process memory budget of {} bytes reached ({} in use); applying policy {}",
        describe_peer(transport_.fd()), ep_.budget().limit(), ep_.budget().used(), to_string(policy));
  }
  const bool grace_over =
      l.close_grace.count() <= 0 || static_cast<std::int32_t>(now - since) >= l.close_grace.count();
  Verdict v = outbox_.apply_cap(ep_, frame, tag, policy, over_budget, grace_over);
  count_dropped(v.dropped, policy);
  switch (v.action) {
    case Verdict::Action::enqueue: return std::nullopt;
    case Verdict::Action::drop_new: count_dropped({1, frame.size()}, policy); return SendStatus::dropped;
    case Verdict::Action::would_block: ep_.counters().sends_refused.add(1); return SendStatus::would_block;
    case Verdict::Action::close:
      count_dropped({1, frame.size()}, policy);
      close_slow_consumer(over_budget ? "process memory budget exhausted"
                                      : "send queue over max_buffered_bytes");
      return SendStatus::closed;
  }
  return std::nullopt;
}

SendStatus Connection::enqueue_control(FrameRef frame, std::uint32_t tag) {
  // Control frames are tiny and are not refused at the cap: a pong or a close must get through.
  // They are charged like any frame, and reading stops while the queue is over its cap. Pongs
  // are answered one for one while little waits (a reading peer's burst of pings, which
  // Autobahn's 2.10 expects answered in full); past kPongBacklog queued, or with the socket
  // backed up, a pong supersedes the one still waiting (RFC 6455 §5.5.3 allows answering the
  // newest ping only), so a flood of pings holds one pending pong.
  constexpr std::size_t kPongBacklog = 2048;
  if (session_.is(ConnState::closed) || session_.finishing()) return SendStatus::closed;
  SendStatus status = outbox_.is(Outbox::write_armed) ? SendStatus::queued : SendStatus::sent;
  if (tag == SendQueue::kPongTag && outbox_.is(Outbox::pong_queued) &&
      (outbox_.is(Outbox::write_armed) || outbox_.charge() >= kPongBacklog) &&
      outbox_.supersede_pong(ep_, frame))
    return status;
  if (tag == SendQueue::kPongTag) outbox_.set(Outbox::pong_queued, true);
  push(std::move(frame), tag);
  request_flush();
  return status;
}

void Connection::backlog_rose() {
  outbox_.set(Outbox::over_watermark, true);
  if (session_.sends()) ep_.on_backlog(*this, true);
}

void Connection::count_dropped(const Released& d, SlowConsumerPolicy policy) {
  if (d.messages == 0) return;
  ep_.counters().dropped_by_policy[static_cast<std::size_t>(policy)].add(d.messages);
  Extras& e = extras();
  e.messages_dropped += d.messages;
  e.bytes_dropped += d.bytes;
  Counters& c = ep_.counters();
  c.messages_dropped.add(d.messages);
  c.bytes_dropped.add(d.bytes);
}

void Connection::close_slow_consumer(const char* why) {
  log(LogLevel::warn, "{}: slow consumer ({}): {} bytes queued, {} in the kernel; closing with 1008",
      describe_peer(transport_.fd()), why, outbox_.bytes(), transport_.unsent_below());
  ep_.counters().connections_closed_by_policy.add(1);
  note_close(CloseReason::policy);
  // What was accepted stays queued (each send already reported its outcome) and the close frame
  // goes behind it: the queue is within its cap, and close_timeout bounds how long it may wait.
  close(close_code::policy_violation, "slow consumer");
}

void Connection::flush() {
  if (session_.is(ConnState::closed)) return;
  if (!outbox_.empty()) {
    // The queue is at its longest just before a write: between two, it only grows (or drops
    // at its cap).
    const auto queued = static_cast<std::uint32_t>(outbox_.bytes());
    Outbox::WriteOutcome w = outbox_.write(ep_, transport_);
    if (w.written.bytes > 0) count_written(w.written, queued);
    if (w.failed) {
      // Never on_close inside the application's own send(): the before-sleep pass gives it.
      cut("write failed");
      return;
    }
  } else if (transport_.holds_output() && !transport_.flush_output()) {
    cut("write failed");
    return;
  }
  // The steady state, where the checks below would all find nothing to do: everything written
  // on an open connection with nothing armed, paused or over a mark.
  if (outbox_.idle() && session_.sends() && !transport_.holds_output()) return;
  const Limits& l = ep_.limits();
  if (outbox_.empty()) {
    outbox_.set(Outbox::pong_queued, false);
    // The server closes the TCP connection first (RFC 6455 §7.1.1); a client waits for it.
    if (session_.is(ConnState::draining) && ep_.role() == Role::server && !transport_.holds_output()) {
      transport_.shutdown_write();  // our last byte is out; the peer's EOF ends the connection
      session_.to(ConnState::half_closed);
    }
  }
  if (outbox_.charge() < outbox_.low_watermark(l)) outbox_.set(Outbox::at_cap, false);  // caught up
  update_interest();
  if (session_.sends() && outbox_.drained_below(l)) {
    ep_.on_backlog(*this, false);
    // Corked: a send inside on_drain is flushed in the next pass, never inside this flush.
    EventLoop::Cork cork(ep_.loop());
    if (session_.is_open()) {
      if (const Behaviors& b = ep_.behaviors(behaviors_set_); b.on_drain) b.on_drain(WebSocket(this));
    } else if (const StreamBehaviors& b = ep_.stream_behaviors(behaviors_set_); b.on_drain) {
      b.on_drain(HttpStream(this));
    }
  }
  if (!outbox_.is(Outbox::read_paused) && outbox_.is(Outbox::input_held)) resume_held_input();
}

inline void Connection::count_written(const Released& r, std::uint32_t queued) {
  Extras* e;
  if (phase_.holds<Extras>()) [[likely]] {
    e = phase_.get<Extras>();
  } else {
    // HTTP bytes alone (the handshake's answer): an idle connection stays without extras.
    if (r.messages == 0) return;
    e = &make_extras();
  }
  e->messages_sent += r.messages;
  e->bytes_sent += r.bytes - r.raw_bytes;
  if (queued > e->high_water) e->high_water = queued;
}

void Connection::update_interest() {
  if (session_.is(ConnState::closed)) return;
  Outbox::InterestChange change = outbox_.next_interest(ep_, session_.sends(), now32());
  const Interest wanted{!outbox_.is(Outbox::read_paused), outbox_.is(Outbox::write_armed)};
  if (std::optional<Interest> i = transport_.rewatch(wanted, change.changed))
    ep_.loop().rewatch(transport_.fd(), this, i->read, i->write);
  if (change.started_waiting && session_.sends()) schedule_timer();
}

void Connection::on_before_sleep() {
  if (!session_.sends()) [[unlikely]] {
    if (session_.is(ConnState::closed)) {
      notify_closed(close_code::abnormal, {});  // when cut inside an application's call
      ep_.destroy(this);
      return;
    }
    if (session_.is(ConnState::awaiting)) read_requests_again();
  }
  flush();
}

ConnectionStats Connection::stats() const {
  ConnectionStats s;
  if (const Extras* e = phase_.get<Extras>()) {
    s.messages_sent = e->messages_sent;
    s.bytes_sent = e->bytes_sent;
    s.messages_dropped = e->messages_dropped;
    s.bytes_dropped = e->bytes_dropped;
    s.buffered_high_water = e->high_water;
  }
  s.buffered_bytes = outbox_.bytes();
  s.buffered_high_water = std::max<std::uint64_t>(s.buffered_high_water, s.buffered_bytes);  // before a flush
  s.buffered_memory = outbox_.charge();
  s.kernel_unsent_bytes = transport_.unsent_below();
  return s;
}

}  // namespace sluice::detail
