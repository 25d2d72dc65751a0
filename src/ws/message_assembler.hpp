// MessageAssembler: turns frames into messages (RFC 6455 §5.4). It enforces fragment order and
// max_message_size, checks text as UTF-8 as bytes arrive, and hands back control frames. A
// message that arrives as one whole frame in one read is delivered in place, without a copy;
// only fragmented or split messages are gathered, and that buffer is freed once delivered.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ws/frame_header.hpp"
#include "ws/protocol_error.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

class MessageAssembler {
 public:
  struct Event {
    enum class Kind : std::uint8_t { none, message, control, error };
    Kind kind = Kind::none;
    Opcode opcode = Opcode::binary;
    std::string_view data;  // valid until the next call or release()
    ProtocolError error = ProtocolError::none;
  };

  explicit MessageAssembler(std::size_t max_message_size) : max_message_size_(max_message_size) {}

  Event on_header(const FrameHeader& h);
  Event on_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h);
  // Frees what the last delivered message or control frame occupied.
  void release();
  bool idle() const { return !in_message_ && buffer_.capacity() == 0 && !control_; }

 private:
  Event on_control_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h);

  std::size_t max_message_size_;
  std::size_t message_size_ = 0;
  std::uint64_t frame_offset_ = 0;
  std::vector<std::uint8_t> buffer_;
  struct ControlBuffer {
    std::uint8_t size = 0;
    bool complete = false;
    std::uint8_t data[kMaxControlPayload];
  };
  std::unique_ptr<ControlBuffer> control_;  // only while a control frame is split across reads
  Utf8Validator utf8_;
  Opcode message_opcode_ = Opcode::binary;
  bool in_message_ = false;
};

}  // namespace sluice::detail
