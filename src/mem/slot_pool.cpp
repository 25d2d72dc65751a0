// Chunks are carved lazily, slot by slot, so a chunk's pages are touched only as far as it has
// been used. Every slot carries a small header naming its chunk, which is how free() finds it.
// Under AddressSanitizer a free slot is poisoned, so a use after free is still caught.
#include "mem/slot_pool.hpp"

#include <sanitizer/asan_interface.h>

#include <algorithm>
#include <new>

#include "mem/footprint.hpp"
#include "mem/large_block.hpp"

namespace sluice::detail::mem {

struct SlotChunk {
  SlotChunk* prev = nullptr;  // in the pool's list of chunks with room while `listed`
  SlotChunk* next = nullptr;
  void* free_list = nullptr;
  std::size_t used = 0;
  std::size_t carved = 0;  // slots handed out at least once; the rest of the chunk is untouched
  bool listed = false;
};

namespace {

constexpr std::size_t kAlign = alignof(std::max_align_t);

constexpr std::size_t round_up(std::size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

// Before each slot: its chunk, and its link while it is free (outside the slot, so that the
// slot itself can stay poisoned).
struct SlotHeader {
  SlotChunk* chunk;
  void* next_free;
};

constexpr std::size_t kChunkHeader = round_up(sizeof(SlotChunk));
constexpr std::size_t kSlotHeader = round_up(sizeof(SlotHeader));

SlotHeader* header_of(void* slot) {
  return reinterpret_cast<SlotHeader*>(static_cast<char*>(slot) - kSlotHeader);
}

}  // namespace

SlotPool::SlotPool(std::size_t slot_bytes, std::size_t chunk_bytes)
    : slot_bytes_(round_up(std::max<std::size_t>(slot_bytes, 1))),
      stride_(kSlotHeader + slot_bytes_),
      map_bytes_(page_footprint(std::max(chunk_bytes, kChunkHeader + stride_))),
      per_chunk_((map_bytes_ - kChunkHeader) / stride_) {}

SlotPool::~SlotPool() {
  while (with_room_) {
    SlotChunk* c = with_room_;
    unlink(c);
    unmap_chunk(c);
  }
}

SlotChunk* SlotPool::map_chunk() {
  void* p = map_block(map_bytes_);
  if (!p) throw std::bad_alloc();
  ASAN_POISON_MEMORY_REGION(static_cast<char*>(p) + kChunkHeader, map_bytes_ - kChunkHeader);
  ++chunks_;
  return new (p) SlotChunk();
}

void SlotPool::unmap_chunk(SlotChunk* c) {
  // A later mapping may reuse these addresses: they must not stay poisoned.
  ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<char*>(c) + kChunkHeader, map_bytes_ - kChunkHeader);
  c->~SlotChunk();
  unmap_block(c, map_bytes_);
  --chunks_;
}

void SlotPool::link_front(SlotChunk* c) {
  c->prev = nullptr;
  c->next = with_room_;
  if (with_room_) with_room_->prev = c;
  with_room_ = c;
  c->listed = true;
}

void SlotPool::link_back(SlotChunk* c) {
  SlotChunk* last = with_room_;
  while (last && last->next) last = last->next;  // rare (a chunk just emptied), and chunks are few
  if (!last) {
    link_front(c);
    return;
  }
  last->next = c;
  c->prev = last;
  c->next = nullptr;
  c->listed = true;
}

void SlotPool::unlink(SlotChunk* c) {
  if (c->prev) {
    c->prev->next = c->next;
  } else {
    with_room_ = c->next;
  }
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = nullptr;
  c->listed = false;
}

void* SlotPool::allocate() {
  std::lock_guard<std::mutex> lock(mutex_);
  SlotChunk* c = with_room_;
  // A chunk in use goes before the empty spare, so that the others fill and the spare stays
  // spare.
  if (c && c->used == 0 && c->next) c = c->next;
  if (!c) {
    c = map_chunk();
    link_front(c);
    ++empty_chunks_;
  }
  if (c->used == 0) --empty_chunks_;
  char* slot;
  if (c->free_list) {
    slot = static_cast<char*>(c->free_list);
    c->free_list = header_of(slot)->next_free;
  } else {
    slot = reinterpret_cast<char*>(c) + kChunkHeader + c->carved * stride_ + kSlotHeader;
    ++c->carved;
  }
  SlotHeader* h = header_of(slot);
  ASAN_UNPOISON_MEMORY_REGION(h, stride_);
  h->chunk = c;
  h->next_free = nullptr;
  ++c->used;
  ++in_use_;
  if (c->used == per_chunk_) unlink(c);
  return slot;
}

void SlotPool::free(void* slot) {
  if (!slot) return;
  SlotHeader* h = header_of(slot);
  ASAN_POISON_MEMORY_REGION(slot, slot_bytes_);
  std::lock_guard<std::mutex> lock(mutex_);
  SlotChunk* c = h->chunk;
  h->next_free = c->free_list;
  c->free_list = slot;
  --c->used;
  --in_use_;
  if (!c->listed) link_front(c);
  if (c->used > 0) return;
  unlink(c);
  if (empty_chunks_ > 0) {
    unmap_chunk(c);
    return;
  }
  // Kept as the spare, at the back: allocate() passes over it while other chunks have room.
  ++empty_chunks_;
  link_back(c);
}

std::size_t SlotPool::chunks_mapped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return chunks_;
}

std::size_t SlotPool::slots_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

}  // namespace sluice::detail::mem
