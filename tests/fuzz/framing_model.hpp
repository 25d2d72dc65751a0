// What the framing fuzz targets share: a sink that records what a decoder delivers and drops, in
// order, a runner that feeds a decoder read by read as a source does, and plain reference
// decoders for the stream framings, written from each framing's definition byte by byte over
// the whole stream (apps/relay/sources/framing/framing.hpp has the rules they share), to hold
// the real decoders against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "sources/framing/framing.hpp"
#include "sources/framing/slip_decoder.hpp"

namespace sluice::fuzz {

using relay::DropReason;
using relay::Framing;

struct FrameEvent {
  bool dropped = false;
  DropReason reason = DropReason::oversized;  // when dropped
  std::string bytes;                          // when delivered
  bool operator==(const FrameEvent&) const = default;
};

struct Decoded {
  std::vector<FrameEvent> events;
  std::uint64_t skipped_empty = 0;
  bool operator==(const Decoded&) const = default;

  void frame(std::string bytes) { events.push_back({false, DropReason::oversized, std::move(bytes)}); }
  void drop(DropReason reason) { events.push_back({true, reason, {}}); }
  std::size_t frames() const {
    std::size_t n = 0;
    for (const FrameEvent& e : events) n += e.dropped ? 0 : 1;
    return n;
  }
  std::size_t drops(DropReason reason) const {
    std::size_t n = 0;
    for (const FrameEvent& e : events) n += e.dropped && e.reason == reason ? 1 : 0;
    return n;
  }
};

class RecordingSink final : public relay::FrameSink {
 public:
  void on_frame(std::span<const std::uint8_t> frame) override {
    FUZZ_CHECK(!frame.empty());                // empty frames are counted, never delivered
    decoded.frame(std::string(chars(frame)));  // reads every byte: ASan checks the span is live
  }
  void on_drop(DropReason reason) override { decoded.drop(reason); }
  Decoded decoded;
};

// Feeds `stream` in the given reads (each in its own allocation, freed after the call), then
// finish() when asked. The decoder's counters must agree with what the sink saw, and it may
// never hold more than `max_held` bytes.
inline Decoded run_decoder(relay::FrameDecoder& decoder, std::span<const std::uint8_t> stream,
                           const std::vector<std::size_t>& reads, bool finish, std::size_t max_held) {
  RecordingSink sink;
  const relay::DecoderCounters before = decoder.counters();
  for_each_read(stream, reads, [&](std::span<std::uint8_t> read, std::size_t) {
    decoder.feed(read, sink);
    FUZZ_CHECK(decoder.bytes_held() <= max_held);
    return true;
  });
  if (finish) decoder.finish(sink);
  const relay::DecoderCounters& after = decoder.counters();
  const Decoded& d = sink.decoded;
  FUZZ_CHECK(after.frames - before.frames == d.frames());
  FUZZ_CHECK(after.oversized - before.oversized == d.drops(DropReason::oversized));
  FUZZ_CHECK(after.malformed - before.malformed == d.drops(DropReason::malformed));
  FUZZ_CHECK(after.truncated - before.truncated == d.drops(DropReason::truncated));
  sink.decoded.skipped_empty = after.skipped_empty - before.skipped_empty;
  return sink.decoded;
}

// One frame's end, as every stream framing treats it: too long, empty (skipped) or delivered.
inline void end_frame(Decoded& out, const std::string& frame, std::size_t max_frame) {
  if (frame.size() > max_frame) {
    out.drop(DropReason::oversized);
  } else if (frame.empty()) {
    ++out.skipped_empty;
  } else {
    out.frame(frame);
  }
}

// LF ends a line; one CR right before it is not part of the line. At the end of the stream an
// unfinished line is delivered like any other.
inline Decoded reference_line(std::string_view s, std::size_t max_frame) {
  Decoded out;
  std::string line;
  bool open = false;
  auto end_line = [&] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    end_frame(out, line, max_frame);
    line.clear();
    open = false;
  };
  for (char c : s) {
    if (c == '\n') {
      end_line();
    } else {
      line += c;
      open = true;
    }
  }
  if (open) end_line();
  return out;
}

// A big-endian length of `width` bytes, then that many bytes. A record longer than max_frame is
// skipped by its length; a stream that ends inside a header or a record it would deliver has
// a truncated record (one cut inside an oversized record was already counted).
inline Decoded reference_length_prefix(std::string_view s, std::size_t width, std::size_t max_frame) {
  Decoded out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i < width) {
      out.drop(DropReason::truncated);
      break;
    }
    std::uint64_t length = 0;
    for (std::size_t k = 0; k < width; ++k) length = length << 8 | static_cast<unsigned char>(s[i + k]);
    i += width;
    if (length > max_frame) {
      out.drop(DropReason::oversized);
      if (length >= s.size() - i) break;
      i += static_cast<std::size_t>(length);
      continue;
    }
    if (length > s.size() - i) {
      out.drop(DropReason::truncated);
      break;
    }
    end_frame(out, std::string(s.substr(i, static_cast<std::size_t>(length))), max_frame);
    i += static_cast<std::size_t>(length);
  }
  return out;
}

// RFC 1055: END ends a frame; ESC ESC_END and ESC ESC_ESC stand for END and ESC. A frame is
// dropped at the first byte that makes it too long or at an ESC followed by anything else, and
// only counted then; a stream that ends inside a frame has a truncated one.
inline Decoded reference_slip(std::string_view s, std::size_t max_frame) {
  namespace slip = relay::slip;
  Decoded out;
  std::string frame;
  bool escaped = false, dropped = false, started = false;
  auto add = [&](char c) {
    if (frame.size() == max_frame) {
      out.drop(DropReason::oversized);
      dropped = true;
      return;
    }
    frame += c;
  };
  for (char ch : s) {
    const auto b = static_cast<std::uint8_t>(ch);
    if (b == slip::end) {
      if (!dropped && escaped) {
        out.drop(DropReason::malformed);
      } else if (!dropped) {
        end_frame(out, frame, max_frame);
      }
      frame.clear();
      escaped = dropped = started = false;
      continue;
    }
    started = true;
    if (dropped) continue;
    if (escaped) {
      escaped = false;
      if (b == slip::esc_end) {
        add(static_cast<char>(slip::end));
      } else if (b == slip::esc_esc) {
        add(static_cast<char>(slip::esc));
      } else {
        out.drop(DropReason::malformed);
        dropped = true;
      }
    } else if (b == slip::esc) {
      escaped = true;
    } else {
      add(ch);
    }
  }
  if (started && !dropped) out.drop(DropReason::truncated);
  return out;
}

// COBS: each frame (up to a zero byte) is blocks of a code n (1..255) and n - 1 data bytes; a
// block under 255 stands for its data and a zero, except the frame's last. A frame is dropped
// once its decoded bytes pass max_frame, or when it ends inside a block; a stream that ends
// inside a frame has a truncated one.
inline Decoded reference_cobs(std::string_view s, std::size_t max_frame) {
  Decoded out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\0', start);
    const bool delimited = end != std::string_view::npos;
    if (!delimited) end = s.size();
    std::string_view f = s.substr(start, end - start);
    start = end + 1;
    std::string frame;
    bool zero_due = false, inside_block = false, too_long = false;
    for (std::size_t i = 0; i < f.size() && !too_long;) {
      const auto code = static_cast<std::uint8_t>(f[i++]);
      if (zero_due) frame += '\0';
      const std::size_t n = code - 1u;
      const std::size_t have = std::min(n, f.size() - i);
      frame.append(f.substr(i, have));
      i += have;
      inside_block = have < n;
      zero_due = code != 0xFF;
      too_long = frame.size() > max_frame;
    }
    if (too_long) {
      out.drop(DropReason::oversized);
    } else if (!delimited) {
      out.drop(DropReason::truncated);  // f is not empty here: the loop runs while bytes remain
    } else if (inside_block) {
      out.drop(DropReason::malformed);
    } else {
      end_frame(out, frame, max_frame);
    }
  }
  return out;
}

}  // namespace sluice::fuzz
