// SlotPool: fixed-size slots for objects that live only a moment beside objects that live for
// hours (a connection's handshake state beside the connection itself), carved from mapped
// chunks of their own. In the malloc heap a burst of the short-lived ones leaves holes among the
// long-lived ones that only odd-sized requests can fill, and that memory stays resident after
// the burst; here the burst's chunks go back to the system as soon as it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

namespace sluice::detail::mem {

struct SlotChunk;  // one mapped chunk (slot_pool.cpp)

class SlotPool {
 public:
  // Slots of at least `slot_bytes`, aligned for any fundamental type, `chunk_bytes` mapped at a
  // time (rounded up to whole pages).
  explicit SlotPool(std::size_t slot_bytes, std::size_t chunk_bytes = 16 * 1024);
  ~SlotPool();  // unmaps every chunk: only once every slot has been freed
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // A slot of slot_size() bytes; throws std::bad_alloc when the system refuses a chunk.
  void* allocate();
  // A slot from allocate(), from any thread.
  void free(void* slot);

  std::size_t slot_size() const { return slot_bytes_; }
  std::size_t slots_per_chunk() const { return per_chunk_; }
  // Chunks mapped now: those holding live slots, and at most one empty one kept so that a
  // count of live slots that hovers at a chunk's edge does not map and unmap on every turn.
  std::size_t chunks_mapped() const;
  std::size_t slots_in_use() const;

 private:
  SlotChunk* map_chunk();
  void unmap_chunk(SlotChunk* c);
  void link_front(SlotChunk* c);
  void link_back(SlotChunk* c);
  void unlink(SlotChunk* c);

  const std::size_t slot_bytes_;
  const std::size_t stride_;     // a slot and its header
  const std::size_t map_bytes_;  // one chunk, whole pages
  const std::size_t per_chunk_;
  mutable std::mutex mutex_;
  SlotChunk* with_room_ = nullptr;  // chunks with a free slot, the most recently freed into first
  std::size_t chunks_ = 0;
  std::size_t empty_chunks_ = 0;
  std::size_t in_use_ = 0;
};

}  // namespace sluice::detail::mem
