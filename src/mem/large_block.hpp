// Large blocks (a big frame, a long message being assembled) come straight from mmap and go
// back with munmap, so their memory returns to the system the moment they are freed. glibc maps
// such blocks too at first, but raises its mmap threshold each time one is freed (up to 32 MiB),
// and from then on serves them from a heap that keeps its pages after a burst.
#pragma once

#include <cstddef>

#include "mem/footprint.hpp"

namespace sluice::detail::mem {

// Blocks from this size on are mapped (glibc's own initial threshold).
inline constexpr std::size_t kLargeBlock = 128 * 1024;

// Maps page_footprint(bytes) bytes of zeroed memory; null when the system refuses.
void* map_block(std::size_t bytes);
// Returns a block from map_block (or grow_block) of the same `bytes`.
void unmap_block(void* block, std::size_t bytes);
// Grows or shrinks a mapped block, keeping its contents (it may move); null when refused, and
// then the old block is untouched.
void* remap_block(void* block, std::size_t old_bytes, std::size_t new_bytes);

// Sole owner of one mapped block.
class MappedBuffer {
 public:
  MappedBuffer() = default;
  MappedBuffer(MappedBuffer&& o) noexcept : data_(o.data_), bytes_(o.bytes_) { o.data_ = nullptr; }
  MappedBuffer& operator=(MappedBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = o.data_;
      bytes_ = o.bytes_;
      o.data_ = nullptr;
    }
    return *this;
  }
  ~MappedBuffer() { reset(); }

  // Maps page_footprint(bytes); false (and empty) when the system refuses.
  bool allocate(std::size_t bytes) {
    reset();
    data_ = static_cast<unsigned char*>(map_block(bytes));
    bytes_ = data_ ? page_footprint(bytes) : 0;
    return data_ != nullptr;
  }
  void reset() {
    if (data_) unmap_block(data_, bytes_);
    data_ = nullptr;
    bytes_ = 0;
  }
  unsigned char* data() const { return data_; }
  std::size_t size() const { return bytes_; }  // what the mapping occupies
  explicit operator bool() const { return data_ != nullptr; }

 private:
  unsigned char* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace sluice::detail::mem
