#include "ws/utf8.hpp"

#include <cstring>

namespace sluice::detail {
namespace {

// States name what the next byte must be. The ranges after E0, ED, F0 and F4 exclude
// overlong forms, UTF-16 surrogates and code points above U+10FFFF.
enum State : std::uint8_t {
  kAccept = 0,
  kTail1,    // one 80..BF
  kTail2,    // two 80..BF
  kTail3,    // three 80..BF
  kAfterE0,  // A0..BF, then one tail
  kAfterED,  // 80..9F, then one tail
  kAfterF0,  // 90..BF, then two tails
  kAfterF4,  // 80..8F, then two tails
  kReject,
};

std::uint8_t lead(std::uint8_t b) {
  if (b < 0x80) return kAccept;
  if (b < 0xC2) return kReject;  // stray continuation or overlong 2-byte lead
  if (b < 0xE0) return kTail1;
  if (b == 0xE0) return kAfterE0;
  if (b == 0xED) return kAfterED;
  if (b < 0xF0) return kTail2;
  if (b == 0xF0) return kAfterF0;
  if (b < 0xF4) return kTail3;
  if (b == 0xF4) return kAfterF4;
  return kReject;
}

std::uint8_t step(std::uint8_t state, std::uint8_t b) {
  auto in = [b](std::uint8_t lo, std::uint8_t hi) { return b >= lo && b <= hi; };
  switch (state) {
    case kAccept: return lead(b);
    case kTail1: return in(0x80, 0xBF) ? kAccept : kReject;
    case kTail2: return in(0x80, 0xBF) ? kTail1 : kReject;
    case kTail3: return in(0x80, 0xBF) ? kTail2 : kReject;
    case kAfterE0: return in(0xA0, 0xBF) ? kTail1 : kReject;
    case kAfterED: return in(0x80, 0x9F) ? kTail1 : kReject;
    case kAfterF0: return in(0x90, 0xBF) ? kTail2 : kReject;
    case kAfterF4: return in(0x80, 0x8F) ? kTail2 : kReject;
    default: return kReject;
  }
}

}  // namespace

bool Utf8Validator::feed(const std::uint8_t* data, std::size_t size) {
  std::uint8_t s = state_;
  std::size_t i = 0;
  while (i < size) {
    if (s == kAccept) {
      // ASCII fast path, eight bytes at a time.
      while (i + 8 <= size) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
      }
      if (i == size) break;
    }
    s = step(s, data[i++]);
    if (s == kReject) {
      state_ = s;
      return false;
    }
  }
  state_ = s;
  return true;
}

bool is_valid_utf8(std::string_view s) {
  Utf8Validator v;
  return v.feed(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) && v.complete();
}

}  // namespace sluice::detail
