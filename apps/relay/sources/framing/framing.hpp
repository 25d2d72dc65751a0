// Source framing: how a byte stream from a device or program is cut into messages. A decoder is
// pure (bytes in, messages out, no I/O and no clock), holds at most one partial frame of at
// most max_frame bytes, and allocates nothing per message once running. A malformed or
// oversized frame is dropped and counted, and decoding resumes at the next frame boundary.
//
// Rules every decoder shares:
// - An empty frame is not a message and is skipped (blank lines, SLIP or COBS delimiters in a
//   row, zero-length records, empty datagrams); skipped_empty counts them.
// - Frames are delivered in order; the span passed to on_frame is valid only during the call,
//   and may point into the caller's input (no copy when a frame lies whole inside one feed).
// - Results do not depend on how the input is split across feed() calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace sluice::relay {

enum class Framing : std::uint8_t {
  line,      // LF-terminated; a CR before the LF is removed
  len16,     // 2-byte big-endian payload length, then the payload
  len32,     // 4-byte big-endian payload length, then the payload
  slip,      // RFC 1055
  cobs,      // Consistent Overhead Byte Stuffing, each frame followed by a zero byte
  raw,       // whatever each read returned, cut into pieces of at most max_chunk
  datagram,  // one datagram, one message
};

std::string_view to_string(Framing framing);
std::optional<Framing> parse_framing(std::string_view name);

enum class DropReason : std::uint8_t {
  oversized,  // longer than max_frame
  malformed,  // SLIP: an ESC not followed by ESC_END or ESC_ESC; COBS: a frame that ends inside a block
  truncated,  // the stream ended inside a frame (finish())
};

std::string_view to_string(DropReason reason);

struct DecoderCounters {
  std::uint64_t frames = 0;  // delivered
  std::uint64_t skipped_empty = 0;
  std::uint64_t oversized = 0;
  std::uint64_t malformed = 0;
  std::uint64_t truncated = 0;

  std::uint64_t dropped(DropReason reason) const;
  std::uint64_t dropped() const { return oversized + malformed + truncated; }
};

// Receives a decoder's output. Implementations must not call back into the decoder.
class FrameSink {
 public:
  virtual void on_frame(std::span<const std::uint8_t> frame) = 0;
  // For logging; the decoder has already counted the drop.
  virtual void on_drop(DropReason) {}

 protected:
  ~FrameSink() = default;
};

struct FramingLimits {
  std::size_t max_frame = 64 * 1024;  // every framing but raw; at least 1
  std::size_t max_chunk = 64 * 1024;  // raw only; at least 1
};

class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;

  // Decodes the next bytes of the stream. One virtual call per read, none per byte.
  virtual void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) = 0;
  // The stream ended (EOF, disconnect, device closed). A partial frame is dropped as truncated,
  // except with line framing, whose last line may lack its LF and is delivered. Afterwards the
  // decoder starts afresh, ready for the next connection.
  virtual void finish(FrameSink& sink) = 0;
  // Heap bytes held for a partial frame: 0 until a frame first straddles two feeds, then the
  // buffer's fixed capacity (about max_frame), kept so that later frames allocate nothing.
  virtual std::size_t bytes_held() const { return 0; }

  const DecoderCounters& counters() const { return counters_; }

 protected:
  void deliver(FrameSink& sink, std::span<const std::uint8_t> frame);
  void drop(FrameSink& sink, DropReason reason);

 private:
  DecoderCounters counters_;
};

// The decoder for `framing`, sized by `limits`.
std::unique_ptr<FrameDecoder> make_decoder(Framing framing, const FramingLimits& limits);

}  // namespace sluice::relay
