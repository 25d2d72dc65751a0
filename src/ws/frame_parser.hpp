// FrameParser: the incremental frame decoder (RFC 6455 §5.2). No I/O: it is handed whatever
// bytes arrived and yields one step at a time — a validated header, then the payload in
// chunks unmasked in place. Between reads it keeps only the unfinished header bytes and the
// count of payload bytes still due, so a connection's idle parser owns no heap memory.
#pragma once

#include <cstdint>
#include <span>

#include "ws/frame_header.hpp"
#include "ws/protocol_error.hpp"

namespace sluice::detail {

class FrameParser {
 public:
  struct Step {
    enum class Kind : std::uint8_t { need_more, header, payload, error };
    Kind kind = Kind::need_more;
    ProtocolError error = ProtocolError::none;
    std::span<std::uint8_t> payload;  // Kind::payload: unmasked bytes, in the caller's buffer
    bool frame_end = false;           // Kind::payload: this chunk ends the frame
  };

  explicit FrameParser(Role role) : header_(), role_(role) {}

  // Consumes a prefix of `input` and advances it. A zero-length frame yields its (empty)
  // payload step even when `input` is empty.
  Step next(std::span<std::uint8_t>& input);
  const FrameHeader& header() const { return header_; }
  bool in_frame() const { return phase_ == Phase::payload || have_ > 0; }

 private:
  enum class Phase : std::uint8_t { header, payload };
  Step decode_header(const std::uint8_t* p, std::size_t size, std::size_t& used);

  // A partial header is only ever held between frames, so it shares storage with the header
  // of the frame in progress.
  union {
    FrameHeader header_;
    std::uint8_t partial_[kMaxHeaderSize];
  };
  std::uint64_t offset_ = 0;  // payload bytes already delivered; also the mask phase
  Role role_;
  Phase phase_ = Phase::header;
  std::uint8_t have_ = 0;  // header bytes held in partial_
};

}  // namespace sluice::detail
