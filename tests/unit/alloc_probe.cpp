// Replaces the global operator new and delete for the unit-test binary; see alloc_probe.hpp.
#include "alloc_probe.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace sluice::test {
namespace {
std::atomic<const void*> g_watched{nullptr};
std::atomic<int> g_deletes{0};

void note_delete(void* p) {
  if (p != nullptr && p == g_watched.load(std::memory_order_relaxed))
    g_deletes.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

void watch_delete(const void* p) {
  g_deletes.store(0, std::memory_order_relaxed);
  g_watched.store(p, std::memory_order_relaxed);
}

void unwatch_delete() { g_watched.store(nullptr, std::memory_order_relaxed); }

int watched_deletes() { return g_deletes.load(std::memory_order_relaxed); }

}  // namespace sluice::test

void* operator new(std::size_t size) {
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* operator new[](std::size_t size) { return ::operator new(size); }

void operator delete(void* p) noexcept {
  sluice::test::note_delete(p);
  std::free(p);
}

void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }
