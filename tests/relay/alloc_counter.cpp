// Replaces the global operator new and delete for the relay test binary, counting every
// allocation; see alloc_counter.hpp.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace sluice::relay::test {
namespace {
std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_largest{0};

void note_allocation(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (size > seen && !g_largest.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
}
}  // namespace

std::size_t allocations() { return g_allocations.load(std::memory_order_relaxed); }
std::size_t largest_allocation() { return g_largest.load(std::memory_order_relaxed); }
void reset_largest_allocation() { g_largest.store(0, std::memory_order_relaxed); }

}  // namespace sluice::relay::test

void* operator new(std::size_t size) {
  sluice::relay::test::note_allocation(size);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

// The nothrow forms too (std::stable_sort's temporary buffer uses them): otherwise their blocks
// would come from the default operator new and be freed by the free() above.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  sluice::relay::test::note_allocation(size);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
