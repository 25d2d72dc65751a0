#include "mem/large_block.hpp"

#include <sys/mman.h>

namespace sluice::detail::mem {

void* map_block(std::size_t bytes) {
  void* p =
      ::mmap(nullptr, page_footprint(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void unmap_block(void* block, std::size_t bytes) { ::munmap(block, page_footprint(bytes)); }

void* remap_block(void* block, std::size_t old_bytes, std::size_t new_bytes) {
  void* p = ::mremap(block, page_footprint(old_bytes), page_footprint(new_bytes), MREMAP_MAYMOVE);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace sluice::detail::mem
