// LengthPrefixDecoder: records preceded by a big-endian payload length of 2 (len16) or 4
// (len32) bytes. An oversized record is skipped by its declared length, without buffering,
// and counted once.
//
// Why skip rather than resynchronise: a length-prefixed stream has no delimiter to search for;
// the only frame boundary it knows is the one the length announces. If the length itself was
// corrupt, the stream stays misaligned until it ends (a reconnect, with finish(), starts afresh).
#pragma once

#include <array>

#include "sources/framing/frame_buffer.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

enum class PrefixWidth : std::uint8_t { two_bytes = 2, four_bytes = 4 };

class LengthPrefixDecoder final : public FrameDecoder {
 public:
  LengthPrefixDecoder(PrefixWidth width, std::size_t max_frame);

  void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) override;
  void finish(FrameSink& sink) override;
  std::size_t bytes_held() const override { return pending_.bytes_held(); }

 private:
  enum class State : std::uint8_t { header, payload, skipping };

  std::span<const std::uint8_t> read_header(std::span<const std::uint8_t> bytes, FrameSink& sink);
  std::span<const std::uint8_t> read_payload(std::span<const std::uint8_t> bytes, FrameSink& sink);
  std::span<const std::uint8_t> skip(std::span<const std::uint8_t> bytes);
  void start_record(std::uint64_t length, FrameSink& sink);

  std::size_t header_size_;
  std::size_t max_frame_;
  State state_ = State::header;
  std::array<std::uint8_t, 4> header_{};
  std::size_t header_have_ = 0;
  std::uint64_t remaining_ = 0;  // payload bytes still to come (payload) or to skip (skipping)
  FrameBuffer pending_;
};

}  // namespace sluice::relay
