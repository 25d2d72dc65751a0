// Test harness for the framing decoders: records what a decoder delivers and drops, and runs
// an input whole, in chunks of every size from 1 to N bytes, and split in two at every point,
// expecting the same result every time (and never more than max_frame + 1 bytes buffered).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sources/framing/framing.hpp"

namespace sluice::relay::test {

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct Decoded {
  std::vector<std::string> frames;
  std::vector<DropReason> drops;
  DecoderCounters counters;

  bool operator==(const Decoded& o) const {
    return frames == o.frames && drops == o.drops && counters.frames == o.counters.frames &&
           counters.skipped_empty == o.counters.skipped_empty && counters.oversized == o.counters.oversized &&
           counters.malformed == o.counters.malformed && counters.truncated == o.counters.truncated;
  }
};

inline std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  os << "frames [";
  for (const auto& f : d.frames) os << testing::PrintToString(f) << " ";
  os << "] oversized " << d.counters.oversized << " malformed " << d.counters.malformed << " truncated "
     << d.counters.truncated << " empty " << d.counters.skipped_empty;
  return os;
}

class RecordingSink final : public FrameSink {
 public:
  void on_frame(std::span<const std::uint8_t> frame) override {
    decoded.frames.emplace_back(reinterpret_cast<const char*>(frame.data()), frame.size());
  }
  void on_drop(DropReason reason) override { decoded.drops.push_back(reason); }
  Decoded decoded;
};

using DecoderFactory = std::function<std::unique_ptr<FrameDecoder>()>;

inline DecoderFactory factory(Framing framing, std::size_t max_frame, std::size_t max_chunk = 64 * 1024) {
  return [=] { return make_decoder(framing, FramingLimits{max_frame, max_chunk}); };
}

// Feeds `pieces` (empty pieces included, to check they change nothing), then finish() if asked.
inline Decoded decode_pieces(const DecoderFactory& make, const std::vector<std::string_view>& pieces,
                             bool finish, std::size_t max_held) {
  auto decoder = make();
  RecordingSink sink;
  for (std::string_view piece : pieces) {
    decoder->feed(bytes_of(piece), sink);
    EXPECT_LE(decoder->bytes_held(), max_held);
  }
  if (finish) decoder->finish(sink);
  sink.decoded.counters = decoder->counters();
  return sink.decoded;
}

inline Decoded decode_whole(const DecoderFactory& make, std::string_view input, bool finish = true) {
  return decode_pieces(make, {input}, finish, SIZE_MAX);
}

// Decodes `input` whole, then at every chunk size and every two-way split, and checks that
// every run agrees with the whole one. Returns the whole run's result.
inline Decoded decode_every_way(const DecoderFactory& make, std::string_view input, bool finish = true,
                                std::size_t max_frame = 64 * 1024) {
  const std::size_t max_held = max_frame + 1;
  const Decoded whole = decode_pieces(make, {input}, finish, max_held);
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
      pieces.push_back(input.substr(at, chunk));
      pieces.push_back({});
    }
    EXPECT_EQ(decode_pieces(make, pieces, finish, max_held), whole) << "in chunks of " << chunk;
  }
  for (std::size_t at = 0; at <= input.size(); ++at) {
    EXPECT_EQ(decode_pieces(make, {input.substr(0, at), input.substr(at)}, finish, max_held), whole)
        << "split at " << at;
  }
  return whole;
}

}  // namespace sluice::relay::test
