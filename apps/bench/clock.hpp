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

// What fills a payload after its timestamp: one repeated byte, or JSON-like records whose
// numbers vary as a sensor's readings do (for compression, whose ratio depends on it).
enum class PayloadKind : std::uint8_t { filler, json };

// A reusable payload of `size` bytes (at least the timestamp).
inline std::string make_payload(std::size_t size, PayloadKind kind = PayloadKind::filler) {
  std::string p(size < kTimestampBytes ? kTimestampBytes : size, 'x');
  if (kind == PayloadKind::json) {
    std::string records;
    std::uint32_t x = 12345;  // a fixed sequence, so every run sends the same bytes
    for (int i = 0; records.size() < p.size(); ++i) {
      x = x * 1103515245u + 12345u;
      records += "{\"sensor\":\"line-" + std::to_string(i % 16) +
                 "/temp\",\"value\":" + std::to_string(15 + (x >> 16) % 20) + "." +
                 std::to_string((x >> 8) % 100) + ",\"unit\":\"C\",\"ok\":true},";
    }
    p.replace(kTimestampBytes, p.size() - kTimestampBytes, records, 0, p.size() - kTimestampBytes);
  }
  return p;
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
