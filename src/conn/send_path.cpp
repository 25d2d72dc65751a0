// The write side of a Connection: where every outgoing byte is counted, capped, queued and
// flushed. The cap is checked in enqueue_message and nowhere else; what happens at the cap is
// decided by apply_policy (send/slow_consumer.cpp).
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
  return enqueue_message(encode(opcode, data), 0, nullptr);
}

SendStatus Connection::ping(std::string_view payload) {
  if (state_ != ConnState::open) return SendStatus::closed;
  return enqueue_control(encode_control(Opcode::ping, payload.substr(0, kMaxControlPayload)));
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
  std::size_t size = frame.size();
  // A message always fits an empty queue (over_cap says so too), so the budget, which sums
  // every worker's queues, is only asked about when something is already waiting.
  if (!queue_.empty()) {
    const Limits& o = ep_.limits();
    bool over_budget = ep_.over_budget(size);
    if (over_cap(queue_, size, o.max_buffered_bytes, over_budget)) {
      std::optional<SendStatus> refused = at_cap(size, tag, policy_for(topic), over_budget);
      if (refused) return *refused;
    }
  }
  SendStatus status = is(kWriteArmed) ? SendStatus::queued : SendStatus::sent;
  push(std::move(frame), tag);
  request_flush();
  return status;
}

std::optional<SendStatus> Connection::at_cap(std::size_t size, std::uint32_t tag, SlowConsumerPolicy policy,
                                             bool over_budget) {
  const Limits& o = ep_.limits();
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
  bool grace_over =
      o.close_grace.count() <= 0 || static_cast<std::int32_t>(now - since) >= o.close_grace.count();
  Verdict v = apply_policy(policy, queue_, size, o.max_buffered_bytes, tag, grace_over);
  count_dropped(v.dropped);
  ep_.counters().buffered_bytes.sub(v.dropped.bytes);  // what the policy took out of the queue
  switch (v.action) {
    case Verdict::Action::enqueue: break;
    case Verdict::Action::drop_new: count_dropped({1, size}); return SendStatus::dropped;
    case Verdict::Action::would_block: ep_.counters().sends_refused.add(1); return SendStatus::would_block;
    case Verdict::Action::close:
      count_dropped({1, size});
      close_slow_consumer(over_budget ? "process send budget exhausted"
                                      : "send queue over max_buffered_bytes");
      return SendStatus::closed;
  }
  return std::nullopt;
}

SendStatus Connection::enqueue_control(FrameRef frame) {
  // Control frames are tiny and bypass the cap: a pong or a close must always get through.
  if (state_ == ConnState::closed || state_ == ConnState::draining) return SendStatus::closed;
  SendStatus status = is(kWriteArmed) ? SendStatus::queued : SendStatus::sent;
  push(std::move(frame), 0);
  request_flush();
  return status;
}

void Connection::count_dropped(const Dropped& d) {
  if (d.messages == 0) return;
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
  // What was accepted stays queued (each send already reported its outcome) and the close frame
  // goes behind it: the queue is within its cap, and close_timeout bounds how long it may wait.
  close(close_code::policy_violation, "slow consumer");
}

void Connection::flush() {
  if (state_ == ConnState::closed) return;
  if (!queue_.empty() && !(queue_.one_entry() ? write_one() : write_queue())) return;
  // The steady state, where the checks below would all find nothing to do: everything written
  // on an open connection with nothing armed, paused or over a mark.
  if (send_flags_ == 0 && queue_.empty() && state_ == ConnState::open) return;
  // The server closes the TCP connection first (RFC 6455 §7.1.1); a client waits for it.
  if (queue_.empty() && state_ == ConnState::draining && !half_closed_ && ep_.role() == Role::server) {
    shutdown_write(fd_.get());  // our last byte is out; the peer's EOF ends the connection
    half_closed_ = true;
  }
  const Limits& o = ep_.limits();
  if (queue_.bytes() < o.low_watermark) set(kAtCap, false);  // the consumer caught up
  update_interest();
  if (is(kOverWatermark) && state_ == ConnState::open && queue_.bytes() < o.low_watermark) {
    set(kOverWatermark, false);
    if (ep_.behaviors().on_drain) {
      // Corked: a send inside on_drain is flushed in the next pass, never inside this flush.
      EventLoop::Cork cork(ep_.loop());
      ep_.behaviors().on_drain(WebSocket(this));
    }
  }
}

inline bool Connection::write_one() {
  // The usual flush: one frame (a reply), one sendmsg, no loop over the iovec array.
  iovec iov;
  queue_.fill_iovecs(&iov, 1);
  IoResult r = write_some(fd_.get(), &iov, 1);
  if (r.kind == IoResult::Kind::would_block) return true;
  if (r.kind != IoResult::Kind::done) {
    abort("write failed");
    return false;
  }
  std::size_t raw = 0;
  std::uint32_t frames = queue_.consume(r.bytes, &raw);
  count_written(r.bytes, raw, frames);
  return true;
}

bool Connection::write_queue() {
  iovec* iov = ep_.loop().iovecs();
  std::size_t written = 0;
  std::size_t raw_written = 0;  // HTTP bytes, neither messages nor message bytes
  std::uint32_t frames = 0;
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
    frames += queue_.consume(r.bytes, &raw_written);
    written += r.bytes;
    if (r.bytes < want) break;  // the socket is full; EPOLLOUT tells us when it is not
  }
  if (written > 0) count_written(written, raw_written, frames);
  if (failed) abort("write failed");  // after the accounting: abort uncounts what is left
  return !failed;
}

inline void Connection::count_written(std::size_t bytes, std::size_t raw, std::uint32_t frames) {
  if (!has_http_ && extras_) {
    extras_->messages_sent += frames;
    extras_->bytes_sent += bytes - raw;
  }
  // The write deadline only matters while bytes wait; update_interest starts it afresh.
  if (!queue_.empty()) last_progress_ = now32();
  Counters& c = ep_.counters();
  c.messages_sent.add(frames);
  c.buffered_bytes.sub(bytes);
  c.bytes_sent.add(bytes - raw);
}

inline void Connection::update_interest() {
  // The steady state, in one test of the flags: nothing queued, armed or paused.
  if ((send_flags_ & (kWriteArmed | kReadPaused | kAtCap)) == 0 && queue_.empty()) return;
  if (state_ == ConnState::closed) return;
  bool want_write = !queue_.empty();
  // A peer that sends but never reads must not grow our queue: stop reading until it drains.
  // (An empty queue never pauses: a message always fits it.)
  bool pause = state_ == ConnState::open &&
               (is(kAtCap) || (!queue_.empty() && queue_.bytes() >= ep_.limits().max_buffered_bytes));
  if (want_write == is(kWriteArmed) && pause == is(kReadPaused)) return;
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
  s.kernel_unsent_bytes = fd_ ? kernel_unsent_bytes(fd_.get()) : 0;
  return s;
}

}  // namespace sluice::detail
