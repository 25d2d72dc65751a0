#include "send/frame_pool.hpp"

#include <array>
#include <bit>
#include <new>
#include <utility>

namespace sluice::detail::frame_pool {
namespace {

// Four classes per power of two from 64 bytes (64, 80, 96, 112, 128, 160, ...), so a block is
// never more than a quarter larger than what was asked for.
constexpr unsigned kMinShift = 6;
constexpr unsigned kClasses = 1 + 4 * (std::bit_width(kMaxPooledBlock - 1) - kMinShift);

constexpr unsigned class_of(std::size_t bytes) {
  if (bytes <= (std::size_t{1} << kMinShift)) return 0;
  unsigned e = static_cast<unsigned>(std::bit_width(bytes - 1)) - 1;  // 2^e < bytes <= 2^(e+1)
  unsigned shift = e - 2;
  std::size_t quarter = std::size_t{1} << shift;
  std::size_t sub = (bytes - (std::size_t{1} << e) + quarter - 1) >> shift;  // 1..4
  return (e - kMinShift) * 4 + static_cast<unsigned>(sub);
}

constexpr std::array<std::uint32_t, kClasses> kClassSize = [] {
  std::array<std::uint32_t, kClasses> sizes{};
  sizes[0] = 1u << kMinShift;
  for (unsigned c = 1; c < kClasses; ++c) {
    unsigned e = (c - 1) / 4 + kMinShift;
    unsigned sub = (c - 1) % 4 + 1;
    sizes[c] = (1u << e) + (sub << (e - 2));
  }
  return sizes;
}();
static_assert(kClassSize[class_of(kMaxPooledBlock)] == kMaxPooledBlock);
static_assert(class_of(kMaxPooledBlock) == kClasses - 1 && kClasses < kHeapClass);

// Every class size is a multiple of 16, so the class of a size is a table lookup.
constexpr std::array<std::uint8_t, kMaxPooledBlock / 16> kClassOf16 = [] {
  std::array<std::uint8_t, kMaxPooledBlock / 16> table{};
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<std::uint8_t>(class_of(16 * (i + 1)));
  return table;
}();

// Trivially destructible, so the hot path reads it without a thread_local guard; the Reaper,
// armed when the pool first keeps a block, empties it when the thread ends.
struct Pool {
  void* heads[kClasses];  // each free block holds the next one's address
  std::size_t bytes;
  bool armed;
  bool gone;  // the thread is ending: blocks go back to the heap
};
constinit thread_local Pool t_pool{};

struct Reaper {
  ~Reaper() {
    for (void*& head : t_pool.heads) {
      while (head) ::operator delete(std::exchange(head, *static_cast<void**>(head)));
    }
    t_pool.bytes = 0;
    t_pool.gone = true;
  }
};

[[gnu::noinline]] void arm_reaper() {
  thread_local Reaper reaper;  // constructed, and its destructor registered, on the first call
  (void)reaper;
  t_pool.armed = true;
}

}  // namespace

void* allocate(std::size_t bytes, std::uint8_t& cls) {
  if (bytes > kMaxPooledBlock) {
    cls = kHeapClass;
    return ::operator new(bytes);
  }
  unsigned c = kClassOf16[(bytes - 1) / 16];  // bytes > 0: a FrameBuffer header at least
  cls = static_cast<std::uint8_t>(c);
  Pool& pool = t_pool;
  if (void* block = pool.heads[c]) {
    pool.heads[c] = *static_cast<void**>(block);
    pool.bytes -= kClassSize[c];
    return block;
  }
  return ::operator new(kClassSize[c]);
}

void free(void* block, std::uint8_t cls) {
  Pool& pool = t_pool;
  if (cls != kHeapClass && !pool.gone && pool.bytes + kClassSize[cls] <= kMaxCachedBytes) {
    if (!pool.armed) arm_reaper();
    *static_cast<void**>(block) = pool.heads[cls];
    pool.heads[cls] = block;
    pool.bytes += kClassSize[cls];
    return;
  }
  ::operator delete(block);
}

std::size_t cached_bytes() { return t_pool.bytes; }

}  // namespace sluice::detail::frame_pool
