// SendQueue: the bytes of one connection that the socket has not taken yet, as references to
// shared frames. The oldest entry always lives inline, so the common case (one frame per loop
// turn) allocates nothing beyond the frame itself and only that entry can be partly written;
// more entries go into a chain of fixed-size blocks, never one growing buffer (DESIGN
// invariant 5). An empty queue owns no memory. It counts its bytes exactly; caps and policies
// live in the connection, the only caller of push().
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include "send/frame_buffer.hpp"

namespace sluice::detail {

struct Dropped {
  std::uint32_t messages = 0;
  std::size_t bytes = 0;
};

class SendQueue {
 public:
  SendQueue() = default;
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;
  ~SendQueue() { clear(); }

  // `tag` groups entries for conflation (the topic a frame was published to; 0 for direct sends).
  void push(FrameRef frame, std::uint32_t tag = 0) {
    bytes_ += static_cast<std::uint32_t>(frame.size());
    Entry e{frame.release_ownership(), 0, tag};
    if (empty()) {
      head_ = e;
    } else {
      push_to_block(e);
    }
  }
  // Tags bytes that are not a WebSocket frame (an HTTP response): not counted as messages.
  static constexpr std::uint32_t kRawTag = 0xFFFFFFFF;
  bool empty() const { return head_.frame == nullptr; }
  bool one_entry() const { return head_.frame != nullptr && tail_ == nullptr; }
  std::size_t bytes() const { return bytes_; }
  std::size_t entries() const;  // walks the queue

  // Describes up to `max` pending slices, oldest first; returns how many.
  int fill_iovecs(iovec* iov, int max) const {
    if (tail_ || max < 1) return fill_iovecs_chain(iov, max);
    if (!head_.frame) return 0;
    iov[0] = {head_.frame->data() + head_.offset, head_.frame->size() - head_.offset};
    return 1;
  }
  // The socket took `n` bytes: releases the frames they completed and returns how many (raw
  // entries not included); adds the raw bytes among the `n` to *raw_bytes when given.
  std::uint32_t consume(std::size_t n, std::size_t* raw_bytes = nullptr) {
    // The common case: the socket took the one frame there was, whole.
    if (tail_ || n != bytes_ || !head_.frame || head_.tag == kRawTag) return consume_chain(n, raw_bytes);
    head_.frame->release();
    head_ = {};
    bytes_ = 0;
    return 1;
  }

  // Drops frames not yet started, oldest first, until at least `want` bytes are gone.
  // A partly written frame always stays, so the byte stream stays well-formed.
  Dropped drop_oldest(std::size_t want);
  Dropped drop_tag(std::uint32_t tag);
  Dropped drop_unstarted();
  void clear();

 private:
  struct Entry {
    FrameBuffer* frame = nullptr;
    std::uint32_t offset = 0;  // bytes of this frame already written
    std::uint32_t tag = 0;
  };
  static constexpr std::uint16_t kBlockEntries = 16;
  struct Block {
    Block* next = nullptr;
    std::uint16_t head = 0;  // first live entry
    std::uint16_t tail = 0;  // one past the last
    Entry entries[kBlockEntries];
  };
  void push_to_block(const Entry& e);
  int fill_iovecs_chain(iovec* iov, int max) const;
  std::uint32_t consume_chain(std::size_t n, std::size_t* raw_bytes);
  static Block* new_block();
  static void free_block(Block* b);
  void pop_front();
  void pop_block_front();
  void refill_head();  // moves the oldest block entry inline when the inline slot is free
  Block* first() const { return tail_ ? tail_->next : nullptr; }
  // Removes the unstarted entries `drop` selects (it sees the tally so far), keeping order.
  Dropped remove_unstarted(const std::function<bool(const Entry&, const Dropped&)>& drop);

  Entry head_;               // the oldest entry; empty only when the whole queue is
  Block* tail_ = nullptr;    // blocks form a ring: tail_->next is the first block
  std::uint32_t bytes_ = 0;  // frames are under 4 GiB and caps far below that
};

}  // namespace sluice::detail
