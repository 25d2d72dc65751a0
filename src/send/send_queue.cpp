#include "send/send_queue.hpp"

#include <algorithm>
#include <new>
#include <utility>

namespace sluice::detail {
namespace {
// Blocks are recycled per thread, so that a backlog that comes back every loop turn (a fan-out
// to many readers slower than the publisher) does not churn the allocator. A freed block is
// kept while the blocks kept and those in use stay within the most this thread has had in use
// at once since the cache was last emptied: the cache never holds more than the thread's queues
// held, and were charged for, at their recent peak. The heap trimmer empties it after a drop.
struct BlockCache {
  static constexpr std::size_t kFloor = 64;  // kept whatever the peak
  void* free = nullptr;                      // a list through each block's first word
  std::size_t kept = 0;
  std::size_t in_use = 0;
  std::size_t peak = 0;

  void release() {
    while (free) ::operator delete(std::exchange(free, *static_cast<void**>(free)));
    kept = 0;
    peak = in_use;
  }
  ~BlockCache() { release(); }
};
thread_local BlockCache t_cache;
}  // namespace

SendQueue::Block* SendQueue::new_block() {
  BlockCache& c = t_cache;
  if (++c.in_use > c.peak) c.peak = c.in_use;
  void* mem;
  if (c.free) {
    mem = std::exchange(c.free, *static_cast<void**>(c.free));
    --c.kept;
  } else {
    mem = ::operator new(sizeof(Block));
  }
  return new (mem) Block;  // default-initialised: its entries are left as they are
}

void SendQueue::free_block(Block* b) {
  b->~Block();
  BlockCache& c = t_cache;
  --c.in_use;
  if (c.kept + c.in_use < std::max(c.peak, BlockCache::kFloor)) {
    *reinterpret_cast<void**>(b) = std::exchange(c.free, static_cast<void*>(b));
    ++c.kept;
    return;
  }
  ::operator delete(b);
}

void SendQueue::release_cached_blocks() { t_cache.release(); }

void SendQueue::push_to_block(FrameBuffer* f, std::uint32_t tag) {
  if (!tail_ || tail_->tail == kBlockEntries) {
    Block* b = new_block();
    b->next = tail_ ? tail_->next : b;
    if (tail_) tail_->next = b;
    tail_ = b;
  }
  tail_->entries[tail_->tail++] = {f, 0, tag};
}

std::size_t SendQueue::entries() const {
  std::size_t n = head_.frame ? 1 : 0;
  for (const Block* b = first(); b; b = b == tail_ ? nullptr : b->next) n += b->tail - b->head;
  return n;
}

int SendQueue::fill_iovecs_chain(iovec* iov, int max) const {
  int n = 0;
  auto add = [&](const Entry& e) {
    iov[n].iov_base = e.frame->data() + e.offset;
    iov[n].iov_len = e.frame->size() - e.offset;
    ++n;
  };
  if (head_.frame && n < max) add(head_);
  for (const Block* b = first(); b && n < max; b = b == tail_ ? nullptr : b->next)
    for (std::uint16_t i = b->head; i < b->tail && n < max; ++i) add(b->entries[i]);
  return n;
}

void SendQueue::pop_front() {
  head_ = {};
  refill_head();
}

void SendQueue::refill_head() {
  if (head_.frame || !tail_) return;
  head_ = first()->entries[first()->head];
  pop_block_front();
}

void SendQueue::pop_block_front() {
  Block* b = first();
  if (++b->head < b->tail) return;
  if (b == tail_) {
    tail_ = nullptr;
  } else {
    tail_->next = b->next;
  }
  free_block(b);
}

void SendQueue::count_release(const Entry& e, Released& r) {
  const std::size_t left = e.frame->size() - e.offset;
  r.bytes += left;
  r.charge += charge_of(*e.frame);
  r.budget += budget_of(*e.frame);
  if (e.tag == kRawTag) {
    r.raw_bytes += left;
  } else {
    ++r.messages;
  }
}

Released SendQueue::consume_chain(std::size_t n, DeliveryLatency* latency) {
  Released r;
  r.bytes = n;
  while (n > 0) {
    Entry& e = head_;
    std::size_t left = e.frame->size() - e.offset;
    if (n < left) {
      if (e.tag == kRawTag) r.raw_bytes += n;
      e.offset += static_cast<std::uint32_t>(n);
      break;
    }
    n -= left;
    if (e.tag == kRawTag) {
      r.raw_bytes += left;
    } else {
      ++r.messages;
      if (published(e.tag) && latency) latency->written(*e.frame);
    }
    r.charge += charge_of(*e.frame);
    r.budget += budget_of(*e.frame);
    e.frame->release();
    pop_front();
  }
  forget(r);
  return r;
}

Released SendQueue::remove_unstarted(const std::function<bool(const Entry&, const Released&)>& drop) {
  Released d;
  auto consider = [&](const Entry& e) {
    if (e.offset > 0 || !drop(e, d)) return false;
    count_release(e, d);
    e.frame->release();
    return true;
  };
  if (head_.frame && consider(head_)) head_ = {};
  if (tail_) {
    // Compact the ring in place: a write cursor trails the read cursor.
    Block* first_block = first();
    Block* wb = first_block;
    std::uint16_t wi = wb->head;
    for (Block* rb = first_block;; rb = rb->next) {
      for (std::uint16_t ri = rb->head; ri < rb->tail; ++ri) {
        if (consider(rb->entries[ri])) continue;
        if (wi == kBlockEntries) {
          wb = wb->next;
          wi = wb->head = 0;
        }
        wb->entries[wi++] = rb->entries[ri];
      }
      if (rb == tail_) break;
    }
    wb->tail = wi;
    for (Block* b = wb->next; b != first_block;) {  // free the blocks past the write cursor
      Block* next = b->next;
      free_block(b);
      b = next;
    }
    wb->next = first_block;
    tail_ = wb;
    if (wb == first_block && wb->head == wb->tail) {
      free_block(wb);
      tail_ = nullptr;
    }
  }
  refill_head();
  forget(d);
  return d;
}

Released SendQueue::drop_oldest(std::size_t want) {
  // Only the inline entry can be partly written, and it stays; everything in the blocks is
  // unstarted and the oldest of those go from the front: work in proportion to the frames
  // dropped, not to the queue's length.
  Released d;
  if (head_.frame && head_.offset == 0 && want > 0) {
    count_release(head_, d);
    head_.frame->release();
    head_ = {};
  }
  while (d.charge < want && tail_) {
    const Entry& e = first()->entries[first()->head];
    count_release(e, d);
    e.frame->release();
    pop_block_front();
  }
  refill_head();
  forget(d);
  return d;
}

Released SendQueue::drop_tag(std::uint32_t tag) {
  return remove_unstarted([tag](const Entry& e, const Released&) { return e.tag == tag; });
}

Released SendQueue::drop_unstarted() {
  return remove_unstarted([](const Entry&, const Released&) { return true; });
}

SendQueue::Entry* SendQueue::newest() {
  if (tail_) return &tail_->entries[tail_->tail - 1];
  return head_.frame ? &head_ : nullptr;
}

Released SendQueue::replace_newest(std::uint32_t tag, FrameRef& frame) {
  Released old;
  Entry* e = newest();
  if (!e || e->tag != tag || e->offset > 0) return old;
  count_release(*e, old);
  e->frame->release();
  e->frame = frame.release_ownership();
  forget(old);
  bytes_ += static_cast<std::uint32_t>(e->frame->size());
  charge_ += static_cast<std::uint32_t>(charge_of(*e->frame));
  return old;
}

Released SendQueue::release_some(std::size_t max_entries) {
  Released r;
  for (std::size_t n = 0; n < max_entries && !empty(); ++n) {
    count_release(head_, r);
    head_.frame->release();
    pop_front();
  }
  forget(r);
  return r;
}

}  // namespace sluice::detail
