// Fuzzes the relay's source framings (apps/relay/sources/framing): the decoders a device's or a
// program's bytes go through. Whatever the bytes and however they are cut into reads, every
// message is non-empty and within max_frame, the decoder never holds more than max_frame + 1
// bytes, the stream decodes to the same messages and drops read by read as in one read, and
// each message, encoded again with the same framing, decodes back to itself alone.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "sources/framing/frame_encoder.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::fuzz {
namespace {

using relay::DropReason;
using relay::Framing;

constexpr Framing framings[] = {Framing::line, Framing::len16, Framing::len32,   Framing::slip,
                                Framing::cobs, Framing::raw,   Framing::datagram};
constexpr std::size_t limits[] = {1, 2, 5, 16, 64, 254, 255, 1024};

struct Decoded final : relay::FrameSink {
  std::vector<std::string> frames;
  std::vector<DropReason> drops;
  void on_frame(std::span<const std::uint8_t> f) override {
    frames.emplace_back(reinterpret_cast<const char*>(f.data()), f.size());
  }
  void on_drop(DropReason r) override { drops.push_back(r); }
  bool operator==(const Decoded& o) const { return frames == o.frames && drops == o.drops; }
};

Decoded decode(Framing framing, std::size_t limit, std::span<const std::uint8_t> stream,
               const std::vector<std::size_t>& reads) {
  auto decoder = relay::make_decoder(framing, {limit, limit});
  Decoded out;
  for_each_read(stream, reads, [&](std::span<std::uint8_t> read, std::size_t) {
    decoder->feed(read, out);
    if (framing != Framing::raw && framing != Framing::datagram)
      FUZZ_CHECK(decoder->bytes_held() <= limit + 1);
    return true;
  });
  decoder->finish(out);
  const relay::DecoderCounters& c = decoder->counters();
  FUZZ_CHECK(c.frames == out.frames.size());
  FUZZ_CHECK(c.dropped() == out.drops.size());
  for (const std::string& f : out.frames) FUZZ_CHECK(!f.empty() && f.size() <= limit);
  return out;
}

void check_round_trip(Framing framing, std::size_t limit, const std::string& frame) {
  // A line that ends in CR loses it when read back: the CR before an LF is not part of a line.
  if (framing == Framing::line && frame.back() == '\r') return;
  std::vector<std::uint8_t> encoded;
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(frame.data()),
                                            frame.size());
  FUZZ_CHECK(relay::encode_frame(framing, bytes, encoded) == relay::EncodeStatus::ok);
  FUZZ_CHECK(encoded.size() <= relay::max_encoded_size(framing, frame.size()));
  const Decoded back = decode(framing, limit, encoded, {});
  FUZZ_CHECK(back.frames.size() == 1 && back.frames[0] == frame && back.drops.empty());
}

}  // namespace
}  // namespace sluice::fuzz

// Input: [options] [n] [n read lengths] [stream]; options: bits 0-2 the framing, 3-5 max_frame.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  const Framing framing = framings[(in.options & 7) % std::size(framings)];
  const std::size_t limit = limits[(in.options >> 3) & 7];
  const Decoded by_reads = decode(framing, limit, in.stream, in.reads);
  // Raw cuts at read boundaries and a datagram is a read, by definition; every other framing
  // must not depend on how the stream was read.
  if (framing != Framing::raw && framing != Framing::datagram) {
    FUZZ_CHECK(decode(framing, limit, in.stream, {}) == by_reads);
  }
  for (const std::string& frame : by_reads.frames) {
    // A line can never hold an LF, nor a len16 frame more than 65535 bytes: decoded frames are
    // always encodable.
    check_round_trip(framing, limit, frame);
  }
  return 0;
}
