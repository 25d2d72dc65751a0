// What the fuzz targets share: a check that stays on in every build, the input layout that lets
// the fuzzer choose how a byte stream is cut into reads, and a reference UTF-8 reading to hold
// src/ws/utf8 against. The same target code links into libFuzzer (SLUICE_FUZZ=ON) and into the
// replay program of every other build, so nothing here may need libFuzzer's headers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Not assert(): the RelWithDebInfo build that replays the regressions defines NDEBUG. A trap
// is what libFuzzer and CTest both report as a crash.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                                  \
    }                                                                                    \
  } while (0)

namespace sluice::fuzz {

// A stream target's input: [options] [n] [n read lengths] [stream]. `options` is the target's
// own (limits, mostly); n (its low four bits) read lengths of 1-256 bytes each follow, and the
// stream is cut into reads of those lengths, repeated until it runs out. With n = 0 the stream
// arrives in one read. Targets also feed every stream in one read and compare.
struct StreamInput {
  std::uint8_t options = 0;
  std::vector<std::size_t> reads;
  std::span<const std::uint8_t> stream;
};

// False when the input is too short to hold its own prefix.
inline bool parse_stream_input(const std::uint8_t* data, std::size_t size, StreamInput& in) {
  if (size < 2) return false;
  in.options = data[0];
  std::size_t n = data[1] & 0x0F;
  if (size < 2 + n) return false;
  in.reads.clear();
  for (std::size_t i = 0; i < n; ++i) in.reads.push_back(std::size_t{data[2 + i]} + 1);
  in.stream = {data + 2 + n, size - 2 - n};
  return true;
}

// Calls fn(read, offset of the read in the stream) for successive reads of `stream`
// (reads.empty(): one read) until it returns false or the stream runs out; never with an empty read, as a
// socket never yields one. Each read gets its own writable allocation of exactly its size, so ASan sees where
// it ends, and is freed before the next: a view kept past its read is a use after free, not a silent stale
// read.
template <typename Fn>
void for_each_read(std::span<const std::uint8_t> stream, const std::vector<std::size_t>& reads, Fn&& fn) {
  std::size_t at = 0;
  for (std::size_t i = 0; at < stream.size(); ++i) {
    std::size_t n = reads.empty() ? stream.size() : reads[i % reads.size()];
    n = std::min(n, stream.size() - at);
    std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[n]);
    std::memcpy(copy.get(), stream.data() + at, n);
    bool more = fn(std::span<std::uint8_t>(copy.get(), n), at);
    at += n;
    if (!more) return;
  }
}

// RFC 3629 read plainly (decode the code point, then check its range), independent of the
// state machine in src/ws/utf8.cpp. Returns the length of the character at the start of `s`,
// 0 when `s` ends inside it, -1 when it is invalid.
inline int decode_utf8(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return 1;
  int n = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07;
  } else {
    return -1;
  }
  for (int k = 1; k < n; ++k) {
    if (static_cast<std::size_t>(k) >= s.size()) return 0;
    const auto t = static_cast<unsigned char>(s[k]);
    if ((t & 0xC0) != 0x80) return -1;
    cp = cp << 6 | (t & 0x3F);
  }
  constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  return n;
}

// Incremental reference validation, failing at the first byte after which no continuation
// could make the text valid: the promise src/ws/utf8.hpp makes, so the two fail on the same
// chunk.
class ReferenceUtf8 {
 public:
  bool feed(std::string_view bytes) {
    for (char b : bytes) {
      if (!ok_) return false;
      if (tail_.empty() && static_cast<unsigned char>(b) < 0x80) continue;
      tail_ += b;
      int n = decode_utf8(tail_);
      if (n > 0) {
        tail_.clear();
      } else if (n < 0 || !can_complete(tail_)) {
        ok_ = false;
      }
    }
    return ok_;
  }
  bool complete() const { return ok_ && tail_.empty(); }

 private:
  // A cut-off character can still become valid when some tail bytes finish it; these three
  // cover every lead's allowed range for the next byte (E0 needs A0.., ED ..9F, F0 90.., F4 ..8F).
  static bool can_complete(const std::string& tail) {
    for (char fill : {'\x80', '\x90', '\xA0'})
      if (decode_utf8(tail + std::string(3, fill)) > 0) return true;
    return false;
  }

  std::string tail_;  // the bytes of a character not yet finished (at most 3)
  bool ok_ = true;
};

inline bool reference_utf8(std::string_view s) {
  ReferenceUtf8 r;
  return r.feed(s) && r.complete();
}

inline std::string_view chars(std::span<const std::uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

}  // namespace sluice::fuzz
