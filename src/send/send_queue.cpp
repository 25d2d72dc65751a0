#include "send/send_queue.hpp"

#include <new>

namespace sluice::detail {
namespace {
// Blocks are recycled per thread so a steady stream of sends does not touch the allocator;
// the cache is small and bounded so an idle process returns to its baseline.
struct BlockCache {
  static constexpr int kMax = 64;
  void* items[kMax];
  int count = 0;
  ~BlockCache() {
    while (count > 0) ::operator delete(items[--count]);
  }
};
thread_local BlockCache t_cache;
}  // namespace

SendQueue::Block* SendQueue::new_block() {
  void* mem = t_cache.count > 0 ? t_cache.items[--t_cache.count] : ::operator new(sizeof(Block));
  return new (mem) Block();
}

void SendQueue::free_block(Block* b) {
  b->~Block();
  if (t_cache.count < BlockCache::kMax) {
    t_cache.items[t_cache.count++] = b;
    return;
  }
  ::operator delete(b);
}

void SendQueue::push(FrameRef frame) {
  if (!last_ || last_->tail == kEntries) {
    Block* b = new_block();
    if (last_) {
      last_->next = b;
    } else {
      first_ = b;
    }
    last_ = b;
  }
  bytes_ += frame.size();
  last_->entries[last_->tail++] = {frame.release_ownership(), 0};
}

int SendQueue::fill_iovecs(iovec* iov, int max) const {
  int n = 0;
  for (const Block* b = first_; b && n < max; b = b->next) {
    for (std::uint16_t i = b->head; i < b->tail && n < max; ++i) {
      const Entry& e = b->entries[i];
      iov[n].iov_base = e.frame->data() + e.offset;
      iov[n].iov_len = e.frame->size() - e.offset;
      ++n;
    }
  }
  return n;
}

void SendQueue::pop_front_block() {
  Block* b = first_;
  first_ = b->next;
  if (!first_) last_ = nullptr;
  free_block(b);
}

void SendQueue::consume(std::size_t n) {
  bytes_ -= n;
  while (n > 0 && first_) {
    Entry& e = first_->entries[first_->head];
    std::size_t left = e.frame->size() - e.offset;
    if (n < left) {
      e.offset += n;
      return;
    }
    n -= left;
    e.frame->release();
    if (++first_->head == first_->tail) pop_front_block();
  }
}

std::size_t SendQueue::drop_unstarted() {
  if (!first_) return 0;
  // The frame the socket is in the middle of stays: the peer must receive it whole.
  auto keep_to =
      static_cast<std::uint16_t>(first_->head + (first_->entries[first_->head].offset > 0 ? 1 : 0));
  std::size_t dropped = 0;
  for (Block* b = first_; b; b = b->next) {
    std::uint16_t from = b == first_ ? keep_to : b->head;
    for (std::uint16_t i = from; i < b->tail; ++i) {
      dropped += b->entries[i].frame->size();
      b->entries[i].frame->release();
    }
    b->tail = from;
  }
  for (Block* b = first_->next; b;) {
    Block* next = b->next;
    free_block(b);
    b = next;
  }
  first_->next = nullptr;
  last_ = first_;
  if (first_->head == first_->tail) {
    free_block(first_);
    first_ = last_ = nullptr;
  }
  bytes_ -= dropped;
  return dropped;
}

void SendQueue::clear() {
  while (first_) {
    for (std::uint16_t i = first_->head; i < first_->tail; ++i) first_->entries[i].frame->release();
    pop_front_block();
  }
  bytes_ = 0;
}

}  // namespace sluice::detail
