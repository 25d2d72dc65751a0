// Fuzzes the framing encoders (apps/relay/sources/framing/frame_encoder) against the decoders:
// messages encoded one after another into one buffer, as a sink writes them to a device, must
// decode back to the same messages in the same order, however the buffer is cut into reads.
// Each encoder must refuse exactly what its framing cannot carry, append nothing when it does,
// and stay within max_encoded_size. Decoded again with a max_frame below the longest message,
// every longer message is dropped as oversized, once, and every other one still arrives intact:
// a stream framing finds its way to the next frame after a frame it cannot take.
//
// Input: [options] [n] [n read lengths] [messages], where messages are [length] [bytes] pairs
// (a length past the end of the input takes what is left). options bits 0-2 pick the framing,
// bits 3-7 the smaller max_frame (0-31 bytes).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framing_model.hpp"
#include "fuzz_support.hpp"
#include "sources/framing/frame_encoder.hpp"

namespace sluice::fuzz {
namespace {

constexpr Framing kFramings[] = {Framing::line, Framing::len16, Framing::len32,    Framing::slip,
                                 Framing::cobs, Framing::raw,   Framing::datagram, Framing::cobs};

std::vector<std::string> split_messages(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(s[i]), s.size() - i - 1);
    out.emplace_back(s.substr(i + 1, n));
    i += 1 + n;
  }
  return out;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// What the decoder gives back for a message: line framing takes one CR before the LF as part of
// the line ending, so a message that ends in CR comes back without it (the device still gets
// the bytes as sent).
std::string decoded_form(Framing framing, std::string m) {
  if (framing == Framing::line && !m.empty() && m.back() == '\r') m.pop_back();
  return m;
}

// Encodes every message it can; returns the messages as the decoder will give them back.
std::vector<std::string> encode_all(Framing framing, const std::vector<std::string>& messages,
                                    std::vector<std::uint8_t>& out, std::vector<std::size_t>& ends) {
  std::vector<std::string> sent;
  for (const std::string& m : messages) {
    const std::size_t before = out.size();
    const relay::EncodeStatus status = relay::encode_frame(framing, bytes(m), out);
    const bool has_lf = m.find('\n') != std::string::npos;
    if (framing == Framing::line && has_lf) {
      FUZZ_CHECK(status == relay::EncodeStatus::contains_lf);
      FUZZ_CHECK(out.size() == before);
      continue;
    }
    // Lengths here stay far below what len16 and len32 can carry.
    FUZZ_CHECK(status == relay::EncodeStatus::ok);
    FUZZ_CHECK(out.size() - before <= relay::max_encoded_size(framing, m.size()));
    ends.push_back(out.size());
    sent.push_back(decoded_form(framing, m));
  }
  return sent;
}

// Decodes the encoded stream: a datagram framing gets one datagram per message (an empty one
// too, as a socket can deliver it), a stream framing the reads the input chose.
Decoded decode(Framing framing, std::size_t max_frame, const std::vector<std::uint8_t>& encoded,
               const std::vector<std::size_t>& ends, const std::vector<std::size_t>& reads) {
  const auto decoder = relay::make_decoder(framing, {max_frame, max_frame});
  if (framing != Framing::datagram) return run_decoder(*decoder, encoded, reads, true, max_frame + 1);
  RecordingSink sink;
  std::size_t from = 0;
  for (std::size_t end : ends) {
    std::vector<std::uint8_t> datagram(encoded.begin() + static_cast<std::ptrdiff_t>(from),
                                       encoded.begin() + static_cast<std::ptrdiff_t>(end));
    decoder->feed(datagram, sink);
    from = end;
  }
  sink.decoded.skipped_empty = decoder->counters().skipped_empty;
  return sink.decoded;
}

// What the decoder must give for `sent` with this max_frame: the messages that fit, in order,
// each longer one dropped as oversized in its place, empty ones skipped.
Decoded expected_for(const std::vector<std::string>& sent, std::size_t max_frame) {
  Decoded out;
  for (const std::string& m : sent) end_frame(out, m, max_frame);
  return out;
}

void check_raw(const std::vector<std::string>& sent, const Decoded& got, std::size_t max_chunk) {
  std::string joined, want;
  for (const std::string& m : sent) want += m;
  for (const FrameEvent& e : got.events) {
    FUZZ_CHECK(!e.dropped && e.bytes.size() <= max_chunk);
    joined += e.bytes;
  }
  FUZZ_CHECK(joined == want);
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  const Framing framing = kFramings[in.options & 7];
  const std::vector<std::string> messages = split_messages(chars(in.stream));
  std::vector<std::uint8_t> encoded;
  std::vector<std::size_t> ends;
  const std::vector<std::string> sent = encode_all(framing, messages, encoded, ends);
  std::size_t longest = 1;
  for (const std::string& m : sent) longest = std::max(longest, m.size());
  const std::size_t smaller = std::max<std::size_t>(1, in.options >> 3);
  for (std::size_t max_frame : {longest, smaller}) {
    const Decoded got = decode(framing, max_frame, encoded, ends, in.reads);
    if (framing == Framing::raw) {
      check_raw(sent, got, max_frame);
      continue;
    }
    const Decoded want = expected_for(sent, max_frame);
    FUZZ_CHECK(got.events == want.events);
    // SLIP's leading END closes an empty frame before each message.
    const std::size_t extra = framing == Framing::slip ? sent.size() : 0;
    FUZZ_CHECK(got.skipped_empty == want.skipped_empty + extra);
  }
  return 0;
}
