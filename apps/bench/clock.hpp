// Clock and payload timestamps: every measured message starts with the steady-clock time (ns)
// at which it was sent, so latency needs no per-message bookkeeping on the sending side.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::bench {

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

constexpr std::size_t kTimestampBytes = sizeof(std::uint64_t);

// A reusable payload of `size` bytes (at least the timestamp); the rest is filler.
inline std::string make_payload(std::size_t size) {
  return std::string(size < kTimestampBytes ? kTimestampBytes : size, 'x');
}

inline void stamp(std::string& payload, std::uint64_t t_ns) {
  std::memcpy(payload.data(), &t_ns, kTimestampBytes);
}

// 0 when the message is too short to carry a timestamp.
inline std::uint64_t stamp_of(std::string_view message) {
  std::uint64_t t = 0;
  if (message.size() >= kTimestampBytes) std::memcpy(&t, message.data(), kTimestampBytes);
  return t;
}

}  // namespace sluice::bench
