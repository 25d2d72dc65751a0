// Outbox: one connection's outgoing side, where every byte it sends is counted, capped, queued
// and written. It owns the send queue, the flags that say whether the socket is being waited
// on and whether reading is paused for it, and the time the queue last made progress. Its
// methods do the bookkeeping and return what happened (a verdict at the cap, what a write
// took, how the readiness to wait for changed); the connection acts on that: callbacks,
// closing, logging. The cap and the process budget are checked in Connection::enqueue_message
// and nowhere else; what happens at the cap is apply_policy's (send/slow_consumer.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "conn/endpoint.hpp"
#include "conn/transport.hpp"
#include "send/send_queue.hpp"
#include "send/slow_consumer.hpp"
#include "sluice/policy.hpp"

namespace sluice::detail {

class Outbox {
 public:
  // Send-side state as bits of one byte, so that "nothing armed, paused or over a mark" is one
  // test on the hot path.
  enum Flag : std::uint8_t {
    write_armed = 1,     // the socket's writability is waited on
    read_paused = 2,     // over the cap: the peer's bytes wait in the kernel
    over_watermark = 4,  // the queue passed low_watermark since it was last below it
    at_cap = 8,          // a send hit the cap and the queue has not drained below low_watermark
    pong_queued = 16,    // a pong may be waiting in the queue (a newer one replaces it)
    input_held = 32,     // unparsed input waits for reading to resume (the connection's)
    unread_full = 64,    // a deferred answer holds all it may of the next requests: not read
  };
  bool is(Flag f) const { return (flags_ & f) != 0; }
  void set(Flag f, bool on) { flags_ = static_cast<std::uint8_t>(on ? flags_ | f : flags_ & ~f); }
  bool idle() const { return flags_ == 0 && queue_.empty(); }

  const SendQueue& queue() const { return queue_; }
  bool empty() const { return queue_.empty(); }
  std::size_t bytes() const { return queue_.bytes(); }
  std::size_t charge() const { return queue_.charge(); }

  // This connection's own cap, over the endpoint's max_buffered_bytes (kept in KiB, so at most
  // 64 MiB - 1 KiB; 0: the endpoint's). Its low watermark is then at most a quarter of it.
  void set_cap(std::size_t bytes) {
    cap_kib_ = static_cast<std::uint16_t>(std::min<std::size_t>((bytes + 1023) / 1024, UINT16_MAX));
  }
  std::size_t cap(const Limits& l) const {
    return cap_kib_ ? std::size_t{cap_kib_} * 1024 : l.max_buffered_bytes;
  }
  std::size_t low_watermark(const Limits& l) const {
    static_assert(Endpoint::kLeastOwnLowWatermark == 256, "a quarter of the least own cap, 1 KiB");
    return cap_kib_ ? std::min(l.low_watermark, std::size_t{cap_kib_} * 256) : l.low_watermark;
  }

  // What the peer agreed for the messages it is sent under permessage-deflate (RFC 7692): the
  // window they are compressed with (8: none, zlib cannot keep to it) and whether each starts
  // afresh. Kept in spare bits, so that agreeing costs no memory until a message flows.
  void set_deflate(int window_bits, bool no_context_takeover) {
    deflate_bits_ = static_cast<std::uint8_t>(window_bits - 8);
    deflate_fresh_ = no_context_takeover;
  }
  int deflate_window_bits() const { return 8 + deflate_bits_; }
  bool deflate_no_context_takeover() const { return deflate_fresh_; }

  // The policy this connection's frames meet at the cap: its own, else the topic's, else the
  // endpoint's.
  void set_policy(SlowConsumerPolicy p) { policy_ = static_cast<std::uint8_t>(static_cast<int>(p) + 1); }
  SlowConsumerPolicy policy_for(std::optional<SlowConsumerPolicy> topic, const Limits& l) const {
    if (policy_ != 0) return static_cast<SlowConsumerPolicy>(policy_ - 1);
    return topic ? *topic : l.policy;
  }

  // Queues `frame` (charged `c`; the queue takes over its reference) and counts it; true when
  // the queue just rose over low_watermark.
  bool push(Endpoint& ep, FrameBuffer* frame, std::uint32_t tag, SendQueue::Charge c);

  // The queue is at its cap (or the process at its budget) for `frame`: applies `policy` and
  // gives back what it dropped. `grace_over`: the connection stayed at its cap past close_grace.
  Verdict apply_cap(Endpoint& ep, const FrameBuffer& frame, std::uint32_t tag, SlowConsumerPolicy policy,
                    bool over_budget, bool grace_over);
  // A pong supersedes the pending one (RFC 6455 §5.5.3): true if `frame` took its place, at the
  // newest end of the queue; else an older pending one was dropped and `frame` is to be pushed.
  bool supersede_pong(Endpoint& ep, FrameRef& frame);
  // Entries left the queue unsent: their bytes and charges leave the counters.
  void account_released(Endpoint& ep, const Released& r);

  // One or more gathered writes of what is queued. `failed`: the transport refused (the
  // connection is to be cut); `written`: what the writes took, already uncounted.
  struct WriteOutcome {
    Released written;
    bool failed = false;
  };
  WriteOutcome write(Endpoint& ep, Transport& t);

  // What the connection should wait for now, and whether that differs from what it waits for.
  struct InterestChange {
    bool changed = false;
    Interest interest;
    bool started_waiting = false;  // bytes began to wait: the write deadline counts from now
  };
  // `open`: the connection carries messages, so reading may pause over the cap.
  InterestChange next_interest(Endpoint& ep, bool open, std::uint32_t now);
  // Over the cap, the peer is not read (an empty queue never pauses: a message always fits it).
  bool must_pause_reading(const Limits& l, bool open) const {
    return open && (is(at_cap) || (!queue_.empty() && queue_.charge() >= cap(l)));
  }

  // The queue drained below low_watermark after passing it: true once per episode.
  bool drained_below(const Limits& l) {
    if (!is(over_watermark) || queue_.charge() >= low_watermark(l)) return false;
    set(over_watermark, false);
    return true;
  }

  // Hands what is queued to the endpoint's reaper (a big queue is freed a slice per loop turn);
  // the wire bytes leave the counters now, the memory as it is freed.
  void release_all(Endpoint& ep);

  std::uint32_t last_progress() const { return last_progress_; }

 private:
  WriteOutcome write_chain(Endpoint& ep, Transport& t);  // more than one entry: a gathered loop
  void count_written(Endpoint& ep, const Released& r);

  SendQueue queue_;
  std::uint32_t last_progress_ = 0;  // loop ms: the socket last took queued bytes, or began to wait
  std::uint8_t flags_ = 0;
  static_assert(slow_consumer_policy_count < 8, "a policy + 1 fits policy_'s bits");
  std::uint8_t policy_ : 3 = 0;        // set_policy's choice + 1; 0: none
  std::uint8_t deflate_bits_ : 3 = 7;  // set_deflate's window - 8
  bool deflate_fresh_ : 1 = false;     // set_deflate's no_context_takeover
  std::uint16_t cap_kib_ = 0;          // set_cap's, in KiB; 0: none
};

// The per-message steps, forced inline: at -O2 the compiler would leave them as calls, which on
// this path cost as much as the work they do.
[[gnu::always_inline]] inline bool Outbox::push(Endpoint& ep, FrameBuffer* frame, std::uint32_t tag,
                                                SendQueue::Charge c) {
  const std::size_t size = frame->size();
  queue_.push_adopted(frame, tag, c);
  ep.allowance().charge(c.budget);
  Counters& counters = ep.counters();
  counters.buffered_bytes.add(size);
  counters.buffered_high_water.raise_to(counters.buffered_bytes.get());
  const std::size_t charge = queue_.charge();
  if (charge <= ep.watermark_floor()) [[likely]]
    return false;  // under any low watermark this connection can have: no need to work out which
  return charge > low_watermark(ep.limits()) && !is(over_watermark);
}

[[gnu::always_inline]] inline Outbox::WriteOutcome Outbox::write(Endpoint& ep, Transport& t) {
  WriteOutcome out;
  if (queue_.one_entry()) [[likely]] {
    // The usual flush: one frame (a reply), one write, no loop over the iovec array.
    iovec iov;
    queue_.fill_iovecs(&iov, 1);
    IoResult r = t.write(&iov, 1);
    if (r.kind == IoResult::Kind::done) {
      out.written = queue_.consume_one(r.bytes, ep.delivery_latency().active());
    } else if (r.kind != IoResult::Kind::would_block) {
      out.failed = true;
    }
  } else {
    out = write_chain(ep, t);
  }
  if (out.written.bytes > 0) count_written(ep, out.written);
  return out;
}

[[gnu::always_inline]] inline void Outbox::count_written(Endpoint& ep, const Released& r) {
  // The write deadline only matters while bytes wait; next_interest starts it afresh.
  if (!queue_.empty()) last_progress_ = static_cast<std::uint32_t>(ep.loop().now_ms());
  Counters& c = ep.counters();
  c.messages_sent.add(r.messages);
  c.buffered_bytes.sub(r.bytes);
  c.bytes_sent.add(r.bytes - r.raw_bytes);
  ep.allowance().uncharge_written(r.budget);
}

}  // namespace sluice::detail
