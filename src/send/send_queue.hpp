// SendQueue: the bytes of one connection that the socket has not taken yet, as references to
// shared frames. A chain of fixed-size blocks, never one growing buffer (DESIGN invariant 5);
// an empty queue owns no memory. It counts its bytes exactly; caps and policies live in the
// connection, which is the only caller of push().
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "send/frame_buffer.hpp"

namespace sluice::detail {

class SendQueue {
 public:
  SendQueue() = default;
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;
  ~SendQueue() { clear(); }

  void push(FrameRef frame);
  bool empty() const { return first_ == nullptr; }
  std::size_t bytes() const { return bytes_; }

  // Describes up to `max` pending slices, oldest first; returns how many.
  int fill_iovecs(iovec* iov, int max) const;
  // The socket took `n` bytes: releases the frames they completed.
  void consume(std::size_t n);
  // Releases every frame not yet started; a partly written frame stays so the stream stays
  // well-formed. Returns the bytes dropped.
  std::size_t drop_unstarted();
  void clear();

 private:
  struct Entry {
    FrameBuffer* frame;
    std::size_t offset;  // bytes of this frame already written
  };
  static constexpr std::uint16_t kEntries = 16;
  struct Block {
    Block* next = nullptr;
    std::uint16_t head = 0;  // first live entry
    std::uint16_t tail = 0;  // one past the last
    Entry entries[kEntries];
  };
  static Block* new_block();
  static void free_block(Block* b);
  void pop_front_block();

  Block* first_ = nullptr;
  Block* last_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace sluice::detail
