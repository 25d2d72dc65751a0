// SendQueue: the bytes of one connection that the socket has not taken yet, as references to
// shared frames. The oldest entry always lives inline, so the common case (one frame per loop
// turn) allocates nothing beyond the frame itself and only that entry can be partly written;
// more entries go into a chain of fixed-size blocks, never one growing buffer (DESIGN
// invariant 5). An empty queue owns no memory. It counts its wire bytes exactly, and its charge:
// the memory its entries hold (each frame's footprint plus its share of a block), which is what
// the caps compare; caps and policies live in the connection, the only caller of push().
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "mem/footprint.hpp"
#include "send/delivery_latency.hpp"
#include "send/frame_buffer.hpp"

namespace sluice::detail {

// What entries took with them when they left the queue (written, dropped or cleared).
struct Released {
  std::uint32_t messages = 0;  // frames; raw (HTTP) entries are not messages
  std::size_t bytes = 0;       // wire bytes
  std::size_t raw_bytes = 0;   // of which raw (HTTP) bytes
  std::size_t charge = 0;      // what the connection's cap had counted for them
  std::size_t budget = 0;      // what the process budget had counted for them

  void add(const Released& o) {
    messages += o.messages;
    bytes += o.bytes;
    raw_bytes += o.raw_bytes;
    charge += o.charge;
    budget += o.budget;
  }
};

class SendQueue {
 public:
  SendQueue() = default;
  SendQueue(SendQueue&& o) noexcept
      : head_(std::exchange(o.head_, {})),
        tail_(std::exchange(o.tail_, nullptr)),
        bytes_(std::exchange(o.bytes_, 0)),
        charge_(std::exchange(o.charge_, 0)) {}
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;
  ~SendQueue() { clear(); }

  // What a queued frame is charged: its block, and a share of the block its entry sits in (the
  // inline entry is charged the same, so a charge never depends on the queue's shape).
  static constexpr std::size_t kEntryCharge = kQueueEntryCharge;
  static std::size_t charge_of(const FrameBuffer& f) { return f.queue_charge(); }
  // The process budget counts a frame that is charged once (a shared one) only by its entry.
  static std::size_t budget_of(const FrameBuffer& f) {
    return f.charged_once() ? kEntryCharge : charge_of(f);
  }
  // Both, computed once: what a send checks and then charges.
  struct Charge {
    std::size_t cap;
    std::size_t budget;
  };
  static Charge charges(const FrameBuffer& f) {
    const std::size_t cap = charge_of(f);
    return {cap, f.charged_once() ? kEntryCharge : cap};
  }

  // `tag` groups entries for conflation (the topic a frame was published to; 0 for direct sends).
  // `c` is charges(*frame).
  void push(FrameRef frame, std::uint32_t tag, Charge c) { push_adopted(frame.release_ownership(), tag, c); }
  // The same for a frame whose reference the queue takes over: on the send path the frame is a
  // bare pointer, which stays in a register where a handle would be kept in memory.
  void push_adopted(FrameBuffer* f, std::uint32_t tag, Charge c) {
    bytes_ += static_cast<std::uint32_t>(f->size());
    charge_ += static_cast<std::uint32_t>(c.cap);
    if (empty()) {
      head_ = {f, 0, tag};
    } else {
      push_to_block(f, tag);
    }
  }
  // Returns the budget charge of the new entry.
  std::size_t push(FrameRef frame, std::uint32_t tag = 0) {
    const Charge c = charges(*frame.get());
    push(std::move(frame), tag, c);
    return c.budget;
  }
  // Tags bytes that are not a WebSocket frame (an HTTP response): not counted as messages.
  static constexpr std::uint32_t kRawTag = 0xFFFFFFFF;
  // Tags a pong, so that a newer one can supersede it (RFC 6455 §5.5.3).
  static constexpr std::uint32_t kPongTag = 0xFFFFFFFE;
  // A frame published to a topic carries the topic's tag (1 and up); direct sends carry 0.
  static bool published(std::uint32_t tag) { return tag - 1 < kPongTag - 1; }
  bool empty() const { return head_.frame == nullptr; }
  bool one_entry() const { return head_.frame != nullptr && tail_ == nullptr; }
  std::size_t bytes() const { return bytes_; }
  std::size_t charge() const { return charge_; }
  std::size_t entries() const;  // walks the queue

  // Describes up to `max` pending slices, oldest first; returns how many.
  int fill_iovecs(iovec* iov, int max) const {
    if (tail_ || max < 1) return fill_iovecs_chain(iov, max);
    if (!head_.frame) return 0;
    iov[0] = {head_.frame->data() + head_.offset, head_.frame->size() - head_.offset};
    return 1;
  }
  // The socket took `n` bytes: releases the frames they completed, and tells `latency` when
  // each one published to a topic went (the only frames it may time). Forced inline: it is on
  // every write, and a call returning Released costs as much as what it does.
  [[gnu::always_inline]] Released consume(std::size_t n, DeliveryLatency* latency = nullptr) {
    if (tail_ || !head_.frame) return consume_chain(n, latency);
    return consume_one(n, latency);
  }
  // consume() when the queue holds one entry (one_entry()).
  [[gnu::always_inline]] Released consume_one(std::size_t n, DeliveryLatency* latency) {
    // The common case: the socket took the one frame there was, whole.
    if (n != bytes_ || head_.tag == kRawTag) return consume_chain(n, latency);
    FrameBuffer* f = head_.frame;
    if (published(head_.tag) && latency) latency->written(*f);
    Released r{1, n, 0, charge_, f->charged_once() ? kEntryCharge : charge_};
    head_ = {};
    bytes_ = 0;
    charge_ = 0;
    f->release_inline();
    return r;
  }

  // Drops frames not yet started, oldest first, until at least `want` of charge is gone.
  // A partly written frame always stays, so the byte stream stays well-formed.
  Released drop_oldest(std::size_t want);
  Released drop_tag(std::uint32_t tag);
  Released drop_unstarted();
  // Puts `frame` in place of the newest entry when that one is unsent and tagged `tag` (a
  // superseded pong), and returns what the old frame released; otherwise returns nothing and
  // leaves `frame` as it is.
  Released replace_newest(std::uint32_t tag, FrameRef& frame);
  // Releases up to `max_entries` entries, oldest first (a big queue is freed a slice per loop
  // turn, so freeing it never stalls the loop).
  Released release_some(std::size_t max_entries);
  Released clear() { return release_some(SIZE_MAX); }

  // Frees the blocks this thread keeps for reuse (after a drop, before the heap is trimmed).
  static void release_cached_blocks();

 private:
  // No member initializers: a block's entries are written before they are read (between its
  // head and tail), so a new block is not cleared entry by entry.
  struct Entry {
    FrameBuffer* frame;
    std::uint32_t offset;  // bytes of this frame already written
    std::uint32_t tag;
  };
  static constexpr std::uint16_t kBlockEntries = 16;
  struct Block {
    Block* next = nullptr;
    std::uint16_t head = 0;  // first live entry
    std::uint16_t tail = 0;  // one past the last
    Entry entries[kBlockEntries];
  };
  static_assert(kEntryCharge * kBlockEntries >= mem::malloc_footprint(sizeof(Block)),
                "an entry's charge covers its share of a block");
  void push_to_block(FrameBuffer* f, std::uint32_t tag);  // by value: the entry stays in registers
  int fill_iovecs_chain(iovec* iov, int max) const;
  Released consume_chain(std::size_t n, DeliveryLatency* latency);
  static void count_release(const Entry& e, Released& r);  // e's frame is about to be released
  static Block* new_block();
  static void free_block(Block* b);
  void pop_front();
  void pop_block_front();
  void refill_head();  // moves the oldest block entry inline when the inline slot is free
  Block* first() const { return tail_ ? tail_->next : nullptr; }
  Entry* newest();
  // Removes the unstarted entries `drop` selects (it sees the tally so far), keeping order.
  Released remove_unstarted(const std::function<bool(const Entry&, const Released&)>& drop);
  void forget(const Released& r) {
    bytes_ -= static_cast<std::uint32_t>(r.bytes);
    charge_ -= static_cast<std::uint32_t>(r.charge);
  }

  Entry head_{};              // the oldest entry; empty only when the whole queue is
  Block* tail_ = nullptr;     // blocks form a ring: tail_->next is the first block
  std::uint32_t bytes_ = 0;   // frames are under 4 GiB and caps far below that
  std::uint32_t charge_ = 0;  // the same, for the memory they hold
};

}  // namespace sluice::detail
