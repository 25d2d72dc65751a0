// Fuzzes the relay's source framing decoders (apps/relay/sources/framing: line, len16, len32,
// slip, cobs, raw, datagram) with what a device or program might send. For the stream framings
// every stream is decoded in the reads the input chooses and in one read, and both must give
// exactly what the reference decoder (framing_model.hpp) reads from the whole stream: the same
// frames and drops in the same order, and the same counts. After finish() the decoder must
// start afresh: the same stream again gives the same result. No decoder may hold more than
// max_frame + 1 bytes. Raw and datagram framing follow the reads by definition and are checked
// against them.
//
// Input: [options] [n] [n read lengths] [stream] (fuzz_support.hpp). options bits 0-2 pick the
// framing, bits 3-5 max_frame (and raw's max_chunk).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framing_model.hpp"
#include "fuzz_support.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::fuzz {
namespace {

constexpr Framing kFramings[] = {Framing::line, Framing::len16, Framing::len32,    Framing::slip,
                                 Framing::cobs, Framing::raw,   Framing::datagram, Framing::line};
constexpr std::size_t kMaxFrames[] = {1, 2, 3, 16, 254, 255, 1024, 64 * 1024};

Decoded reference(Framing framing, std::string_view s, std::size_t max_frame) {
  switch (framing) {
    case Framing::line: return reference_line(s, max_frame);
    case Framing::len16: return reference_length_prefix(s, 2, max_frame);
    case Framing::len32: return reference_length_prefix(s, 4, max_frame);
    case Framing::slip: return reference_slip(s, max_frame);
    case Framing::cobs: return reference_cobs(s, max_frame);
    case Framing::raw:
    case Framing::datagram: break;
  }
  __builtin_trap();
}

void check_stream_framing(Framing framing, const StreamInput& in, std::size_t max_frame) {
  const auto decoder = relay::make_decoder(framing, {max_frame, max_frame});
  const std::size_t max_held = max_frame + 1;
  const Decoded expected = reference(framing, chars(in.stream), max_frame);
  const Decoded in_reads = run_decoder(*decoder, in.stream, in.reads, true, max_held);
  FUZZ_CHECK(in_reads == expected);
  // finish() left it as new: the same stream, now in one read, decodes the same.
  FUZZ_CHECK(run_decoder(*decoder, in.stream, {}, true, max_held) == expected);
  // Without finish(), only what a complete frame ended differs: the last event at most.
  const auto fresh = relay::make_decoder(framing, {max_frame, max_frame});
  Decoded unfinished = run_decoder(*fresh, in.stream, in.reads, false, max_held);
  Decoded finished = expected;
  if (finished.events.size() > unfinished.events.size()) finished.events.pop_back();
  if (finished.skipped_empty > unfinished.skipped_empty) --finished.skipped_empty;
  FUZZ_CHECK(unfinished == finished);
}

// Raw: each read goes out as it came, in pieces of at most max_chunk; nothing is dropped.
void check_raw(const StreamInput& in, std::size_t max_chunk) {
  const auto decoder = relay::make_decoder(Framing::raw, {max_chunk, max_chunk});
  RecordingSink sink;
  std::size_t expected_frames = 0;
  for_each_read(in.stream, in.reads, [&](std::span<std::uint8_t> read, std::size_t) {
    decoder->feed(read, sink);
    expected_frames += (read.size() + max_chunk - 1) / max_chunk;
    FUZZ_CHECK(decoder->bytes_held() == 0);
    return true;
  });
  decoder->finish(sink);
  FUZZ_CHECK(sink.decoded.events.size() == expected_frames);
  std::string joined;
  for (const FrameEvent& e : sink.decoded.events) {
    FUZZ_CHECK(!e.dropped && e.bytes.size() <= max_chunk);
    joined += e.bytes;
  }
  FUZZ_CHECK(joined == chars(in.stream));
}

// Datagram: each read is one datagram, delivered whole or dropped as oversized.
void check_datagram(const StreamInput& in, std::size_t max_frame) {
  const auto decoder = relay::make_decoder(Framing::datagram, {max_frame, max_frame});
  RecordingSink sink;
  Decoded expected;
  for_each_read(in.stream, in.reads, [&](std::span<std::uint8_t> read, std::size_t) {
    decoder->feed(read, sink);
    end_frame(expected, std::string(chars(read)), max_frame);
    return true;
  });
  decoder->finish(sink);
  FUZZ_CHECK(sink.decoded.events == expected.events);
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  const Framing framing = kFramings[in.options & 7];
  const std::size_t max_frame = kMaxFrames[in.options >> 3 & 7];
  switch (framing) {
    case Framing::raw: check_raw(in, max_frame); break;
    case Framing::datagram: check_datagram(in, max_frame); break;
    default: check_stream_framing(framing, in, max_frame); break;
  }
  return 0;
}
