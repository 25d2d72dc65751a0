#include "ws/mask_keys.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace sluice::detail {
namespace {

struct KeyPool {
  std::uint8_t bytes[1024];
  std::size_t used = sizeof bytes;
};
thread_local KeyPool t_pool;

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    done += static_cast<std::size_t>(n);
  }
}

std::array<std::uint8_t, 4> next_mask_key() {
  KeyPool& p = t_pool;
  if (p.used + 4 > sizeof p.bytes) {
    random_bytes(p.bytes);
    p.used = 0;
  }
  std::array<std::uint8_t, 4> key;
  std::memcpy(key.data(), p.bytes + p.used, 4);
  p.used += 4;
  return key;
}

}  // namespace sluice::detail
