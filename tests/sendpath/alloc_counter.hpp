// AllocCount: counts what the calling thread allocates through the global operator new while
// the object lives (the replacement operators are in alloc_counter.cpp, linked only into the
// executable that measures allocations).
#pragma once

#include <cstddef>

namespace sluice_test {

class AllocCount {
 public:
  AllocCount();
  ~AllocCount();
  AllocCount(const AllocCount&) = delete;
  AllocCount& operator=(const AllocCount&) = delete;
  std::size_t bytes() const;
  std::size_t allocations() const;
};

}  // namespace sluice_test
