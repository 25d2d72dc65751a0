// Replaces the global operator new and delete to count the calling thread's allocations while
// an AllocCount lives; they forward to malloc/free, which sanitizers still check.
#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
thread_local bool t_counting = false;
thread_local std::size_t t_bytes = 0;
thread_local std::size_t t_allocations = 0;
}  // namespace

namespace sluice_test {
AllocCount::AllocCount() {
  t_bytes = t_allocations = 0;
  t_counting = true;
}
AllocCount::~AllocCount() { t_counting = false; }
std::size_t AllocCount::bytes() const { return t_bytes; }
std::size_t AllocCount::allocations() const { return t_allocations; }
}  // namespace sluice_test

void* operator new(std::size_t size) {
  if (t_counting) {
    t_bytes += size;
    t_allocations++;
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
