#include "send/send_queue.hpp"

#include <new>

namespace sluice::detail {
namespace {
// Blocks are recycled per thread so a steady backlog does not churn the allocator; the cache
// is small and bounded so an idle process returns to its baseline.
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

void SendQueue::push(FrameRef frame, std::uint32_t tag) {
  bytes_ += frame.size();
  ++entries_;
  Entry e{frame.release_ownership(), 0, tag};
  if (empty()) {
    head_ = e;
    return;
  }
  if (!last_ || last_->tail == kBlockEntries) {
    Block* b = new_block();
    (last_ ? last_->next : first_) = b;
    last_ = b;
  }
  last_->entries[last_->tail++] = e;
}

int SendQueue::fill_iovecs(iovec* iov, int max) const {
  int n = 0;
  auto add = [&](const Entry& e) {
    iov[n].iov_base = e.frame->data() + e.offset;
    iov[n].iov_len = e.frame->size() - e.offset;
    ++n;
  };
  if (head_.frame && n < max) add(head_);
  for (const Block* b = first_; b && n < max; b = b->next)
    for (std::uint16_t i = b->head; i < b->tail && n < max; ++i) add(b->entries[i]);
  return n;
}

void SendQueue::pop_front() {
  --entries_;
  if (head_.frame) {
    head_ = {};
    return;
  }
  if (++first_->head == first_->tail) {
    Block* b = first_;
    first_ = b->next;
    if (!first_) last_ = nullptr;
    free_block(b);
  }
}

std::uint32_t SendQueue::consume(std::size_t n) {
  bytes_ -= n;
  std::uint32_t completed = 0;
  while (n > 0) {
    Entry& e = front();
    std::size_t left = e.frame->size() - e.offset;
    if (n < left) {
      e.offset += static_cast<std::uint32_t>(n);
      break;
    }
    n -= left;
    e.frame->release();
    pop_front();
    ++completed;
  }
  return completed;
}

Dropped SendQueue::remove_unstarted(const std::function<bool(const Entry&, const Dropped&)>& drop) {
  Dropped d;
  auto consider = [&](const Entry& e) {
    if (e.offset > 0 || !drop(e, d)) return false;
    d.messages++;
    d.bytes += e.frame->size();
    e.frame->release();
    return true;
  };
  if (head_.frame && consider(head_)) head_ = {};
  // Compact the blocks in place: a write cursor trails the read cursor.
  Block* wb = first_;
  std::uint16_t wi = wb ? wb->head : 0;
  for (Block* rb = first_; rb; rb = rb->next) {
    for (std::uint16_t ri = rb->head; ri < rb->tail; ++ri) {
      if (consider(rb->entries[ri])) continue;
      if (wi == kBlockEntries) {
        wb = wb->next;
        wi = wb->head = 0;
      }
      wb->entries[wi++] = rb->entries[ri];
    }
  }
  if (wb) {
    wb->tail = wi;
    for (Block* b = wb->next; b;) {
      Block* next = b->next;
      free_block(b);
      b = next;
    }
    wb->next = nullptr;
    last_ = wb;
    if (wb == first_ && wb->head == wb->tail) {
      free_block(wb);
      first_ = last_ = nullptr;
    }
  }
  bytes_ -= d.bytes;
  entries_ -= d.messages;
  return d;
}

Dropped SendQueue::drop_oldest(std::size_t want) {
  return remove_unstarted([want](const Entry&, const Dropped& so_far) { return so_far.bytes < want; });
}

Dropped SendQueue::drop_tag(std::uint32_t tag) {
  return remove_unstarted([tag](const Entry& e, const Dropped&) { return e.tag == tag; });
}

Dropped SendQueue::drop_unstarted() {
  return remove_unstarted([](const Entry&, const Dropped&) { return true; });
}

void SendQueue::clear() {
  while (!empty()) {
    front().frame->release();
    pop_front();
  }
  bytes_ = 0;
}

}  // namespace sluice::detail
