// The write side of a Connection: where every outgoing byte is counted, capped, queued and
// flushed. The cap and the process budget are checked in enqueue_message and nowhere else (a
// control reply is charged too, and a pong superseded by a newer one, but neither is refused);
// what happens at the cap is decided by apply_policy (send/slow_consumer.cpp).
#include <climits>
#include <optional>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "send/slow_consumer.hpp"
#include "server/topic_registry.hpp"

namespace sluice::detail {

FrameRef Connection::encode_control(Opcode opcode, std::string_view payload) const {
  return encode(opcode, payload);
}

SendStatus Connection::send(std::string_view data, Opcode opcode) {
  if (state_ != ConnState::open) return SendStatus::closed;
  if (opcode != Opcode::text && opcode != Opcode::binary) opcode = Opcode::binary;
  if (data.size() > kMaxFramePayload) [[unlikely]]
    return SendStatus::dropped;
  return enqueue_message(encode(opcode, data), 0, nullptr);
}

SendStatus Connection::ping(std::string_view payload) {
  if (state_ != ConnState::open) return SendStatus::closed;
  // The application's pings are messages as far as the cap goes: a loop of ping() calls must
  // not grow the queue either.
  FrameRef frame = encode_control(Opcode::ping, payload.substr(0, kMaxControlPayload));
  const std::size_t charge = SendQueue::charge_of(*frame.get());
  if (over_cap(queue_, charge, ep_.limits().max_buffered_bytes) ||
      !ep_.allowance().admits(SendQueue::budget_of(*frame.get()), queue_.charge() + charge))
    return SendStatus::dropped;
  return enqueue_control(std::move(frame));
}

SendStatus Connection::publish(FrameRef frame, const Topic& topic) {
  return enqueue_message(std::move(frame), topic.id, &topic);
}

SlowConsumerPolicy Connection::policy_for(const Topic* topic) const {
  if (has_policy_override_) return policy_override_;
  if (topic && topic->options.policy) return *topic->options.policy;
  return ep_.limits().policy;
}

[[gnu::always_inline]] inline SendStatus Connection::enqueue_message(FrameRef frame, std::uint32_t tag,
                                                                     const Topic* topic) {
  if (state_ != ConnState::open) return SendStatus::closed;
  const SendQueue::Charge charge = SendQueue::charges(*frame.get());
  const std::size_t after = queue_.charge() + charge.cap;
  // A message always fits an empty queue as far as the connection's cap goes, but never the
  // process past its budget.
  const bool over_budget = !ep_.allowance().admits(charge.budget, after);
  if (over_budget || (!queue_.empty() && after > ep_.limits().max_buffered_bytes)) [[unlikely]] {
    std::optional<SendStatus> refused = at_cap(*frame.get(), tag, policy_for(topic), over_budget);
    if (refused) return *refused;
  }
  SendStatus status = is(kWriteArmed) ? SendStatus::queued : SendStatus::sent;
  push(std::move(frame), tag, charge);
  request_flush();
  return status;
}

std::optional<SendStatus> Connection::at_cap(const FrameBuffer& frame, std::uint32_t tag,
                                             SlowConsumerPolicy policy, bool over_budget) {
  const Limits& o = ep_.limits();
  const std::size_t charge = SendQueue::charge_of(frame);
  // An at-cap episode lasts until the queue drains below the low watermark: reading pauses and
  // close_grace counts from its start.
  set(kOverWatermark, true);
  std::uint32_t now = now32();
  std::uint32_t& since = extras().over_cap_since;
  if (!is(kAtCap)) {
    since = now;
    set(kAtCap, true);
    update_interest();  // stop reading now: a stalled socket may not flush again for long
  }
  if (over_budget) {
    ep_.counters().budget_refusals.add(1);
    log(LogLevel::warn, "{}: process memory budget of {} bytes reached ({} in use); applying policy {}",
        describe_peer(fd_.get()), ep_.budget().limit(), ep_.budget().used(), to_string(policy));
  }
  bool grace_over =
      o.close_grace.count() <= 0 || static_cast<std::int32_t>(now - since) >= o.close_grace.count();
  Verdict v = apply_policy(policy, queue_, charge, o.max_buffered_bytes, tag, grace_over);
  account_released(v.dropped);
  count_dropped(v.dropped, policy);
  // What this queue gave up may not be enough room when the whole process is over its budget.
  if (v.action == Verdict::Action::enqueue && over_budget &&
      !ep_.allowance().admits(SendQueue::budget_of(frame), queue_.charge() + charge))
    v.action = Verdict::Action::drop_new;
  switch (v.action) {
    case Verdict::Action::enqueue: break;
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
  // They are charged like any frame, a peer's pings are answered by one pending pong at most,
  // and reading stops while the queue is over its cap, so a ping flood cannot grow the queue.
  if (state_ == ConnState::closed || state_ == ConnState::draining) return SendStatus::closed;
  SendStatus status = is(kWriteArmed) ? SendStatus::queued : SendStatus::sent;
  if (tag == SendQueue::kPongTag && is(kPongQueued) && supersede_pong(frame)) return status;
  if (tag == SendQueue::kPongTag) set(kPongQueued, true);
  push(std::move(frame), tag);
  request_flush();
  return status;
}

bool Connection::supersede_pong(FrameRef& frame) {
  // In a flood the pending pong is the newest entry; otherwise it is found by a walk, taken out,
  // and the new one goes to the back.
  const std::size_t size = frame.size();
  const std::size_t budget = SendQueue::budget_of(*frame.get());
  Released old = queue_.replace_newest(SendQueue::kPongTag, frame);
  if (old.messages > 0) {
    account_released(old);
    ep_.counters().buffered_bytes.add(size);
    ep_.allowance().charge(budget);
    return true;
  }
  account_released(queue_.drop_tag(SendQueue::kPongTag));
  return false;
}

void Connection::account_released(const Released& r) {
  Counters& c = ep_.counters();
  c.buffered_bytes.sub(r.bytes);
  ep_.allowance().uncharge(r.budget);
}

void Connection::count_dropped(const Released& d, SlowConsumerPolicy policy) {
  if (d.messages == 0) return;
  ep_.counters().dropped_by_policy[static_cast<std::size_t>(policy)].add(d.messages);
  extras().messages_dropped += d.messages;
  extras().bytes_dropped += d.bytes;
  Counters& c = ep_.counters();
  c.messages_dropped.add(d.messages);
  c.bytes_dropped.add(d.bytes);
}

void Connection::close_slow_consumer(const char* why) {
  log(LogLevel::warn, "{}: slow consumer ({}): {} bytes queued, {} in the kernel; closing with 1008",
      describe_peer(fd_.get()), why, queue_.bytes(), kernel_unsent_bytes(fd_.get()));
  ep_.counters().connections_closed_by_policy.add(1);
  note_close(CloseReason::policy);
  // What was accepted stays queued (each send already reported its outcome) and the close frame
  // goes behind it: the queue is within its cap, and close_timeout bounds how long it may wait.
  close(close_code::policy_violation, "slow consumer");
}

void Connection::release_queue() {
  // Frees what is queued (a big queue a slice per loop turn, src/send/queue_reaper.hpp); the
  // wire bytes leave the counters now, the memory as it is freed.
  ep_.counters().buffered_bytes.sub(queue_.bytes());
  ep_.counters().memory_freed_on_close.add(queue_.charge());
  ep_.reaper().take(queue_);
  set(kPongQueued, false);
}

void Connection::flush() {
  if (state_ == ConnState::closed) return;
  if (!queue_.empty() && !(queue_.one_entry() ? write_one() : write_queue())) return;
  // The steady state, where the checks below would all find nothing to do: everything written
  // on an open connection with nothing armed, paused or over a mark.
  if (send_flags_ == 0 && queue_.empty() && state_ == ConnState::open) return;
  if (queue_.empty()) set(kPongQueued, false);
  // The server closes the TCP connection first (RFC 6455 §7.1.1); a client waits for it.
  if (queue_.empty() && state_ == ConnState::draining && !half_closed_ && ep_.role() == Role::server) {
    shutdown_write(fd_.get());  // our last byte is out; the peer's EOF ends the connection
    half_closed_ = true;
  }
  const Limits& o = ep_.limits();
  if (queue_.charge() < o.low_watermark) set(kAtCap, false);  // the consumer caught up
  update_interest();
  if (is(kOverWatermark) && state_ == ConnState::open && queue_.charge() < o.low_watermark) {
    set(kOverWatermark, false);
    if (ep_.behaviors().on_drain) {
      // Corked: a send inside on_drain is flushed in the next pass, never inside this flush.
      EventLoop::Cork cork(ep_.loop());
      ep_.behaviors().on_drain(WebSocket(this));
    }
  }
  if (!is(kReadPaused) && has_held_input()) resume_held_input();
}

// Forced inline into flush(): the usual write is this one, and a call costs as much as it does.
[[gnu::always_inline]] inline bool Connection::write_one() {
  // The usual flush: one frame (a reply), one sendmsg, no loop over the iovec array.
  iovec iov;
  queue_.fill_iovecs(&iov, 1);
  IoResult r = write_some(fd_.get(), &iov, 1);
  if (r.kind == IoResult::Kind::would_block) return true;
  if (r.kind != IoResult::Kind::done) {
    abort("write failed");
    return false;
  }
  count_written(queue_.consume(r.bytes, ep_.delivery_latency().active()));
  return true;
}

bool Connection::write_queue() {
  iovec* iov = ep_.loop().iovecs();
  Released written;
  bool failed = false;
  while (!queue_.empty()) {
    int n = queue_.fill_iovecs(iov, IOV_MAX);
    std::size_t want = queue_.bytes();  // unless the queue is longer than one sendmsg takes
    if (n == IOV_MAX) {
      want = 0;
      for (int i = 0; i < n; ++i) want += iov[i].iov_len;
    }
    IoResult r = write_some(fd_.get(), iov, n);
    if (r.kind == IoResult::Kind::would_block) break;
    if (r.kind != IoResult::Kind::done) {
      failed = true;
      break;
    }
    written.add(queue_.consume(r.bytes, ep_.delivery_latency().active()));
    if (r.bytes < want) break;  // the socket is full; EPOLLOUT tells us when it is not
  }
  if (written.bytes > 0) count_written(written);
  if (failed) abort("write failed");  // after the accounting: abort uncounts what is left
  return !failed;
}

inline void Connection::count_written(const Released& r) {
  if (!has_http_ && extras_) {
    extras_->messages_sent += r.messages;
    extras_->bytes_sent += r.bytes - r.raw_bytes;
  }
  // The write deadline only matters while bytes wait; update_interest starts it afresh.
  if (!queue_.empty()) last_progress_ = now32();
  Counters& c = ep_.counters();
  c.messages_sent.add(r.messages);
  c.buffered_bytes.sub(r.bytes);
  c.bytes_sent.add(r.bytes - r.raw_bytes);
  ep_.allowance().uncharge_written(r.budget);
}

inline void Connection::update_interest() {
  // The steady state, in one test of the flags: nothing queued, armed or paused.
  if ((send_flags_ & (kWriteArmed | kReadPaused | kAtCap)) == 0 && queue_.empty()) return;
  if (state_ == ConnState::closed) return;
  bool want_write = !queue_.empty();
  bool pause = must_pause_reading();
  if (want_write == is(kWriteArmed) && pause == is(kReadPaused)) return;
  if (!want_write) ep_.allowance().give_back_spare();  // a queue that backed up has drained
  bool started_waiting = want_write && !is(kWriteArmed);
  set(kWriteArmed, want_write);
  set(kReadPaused, pause);
  ep_.loop().rewatch(fd_.get(), this, !pause, want_write);
  if (started_waiting && state_ == ConnState::open) {
    last_progress_ = now32();  // the write deadline counts from here
    schedule_timer();
  }
}

void Connection::on_before_sleep() {
  if (state_ == ConnState::closed) {
    ep_.destroy(this);
    return;
  }
  flush();
}

ConnectionStats Connection::stats() const {
  ConnectionStats s;
  if (!has_http_ && extras_) {
    s.messages_sent = extras_->messages_sent;
    s.bytes_sent = extras_->bytes_sent;
    s.messages_dropped = extras_->messages_dropped;
    s.bytes_dropped = extras_->bytes_dropped;
    s.buffered_high_water = extras_->high_water;
  }
  s.buffered_bytes = queue_.bytes();
  s.buffered_memory = queue_.charge();
  s.kernel_unsent_bytes = fd_ ? kernel_unsent_bytes(fd_.get()) : 0;
  return s;
}

}  // namespace sluice::detail
