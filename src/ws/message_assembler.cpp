#include "ws/message_assembler.hpp"

#include <cstring>

namespace sluice::detail {
namespace {
using Event = MessageAssembler::Event;
Event error(ProtocolError e) { return {Event::Kind::error, Opcode::binary, {}, e}; }
std::string_view view(const std::uint8_t* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }
}  // namespace

Event MessageAssembler::on_header(const FrameHeader& h) {
  frame_offset_ = 0;
  if (h.is_control()) return {};
  if (h.opcode == Opcode::continuation) {
    if (!in_message_) return error(ProtocolError::unexpected_continuation);
  } else {
    if (in_message_) return error(ProtocolError::expected_continuation);
    in_message_ = true;
    message_opcode_ = h.opcode;
    message_size_ = 0;
    utf8_.reset();
  }
  if (h.payload_length > max_message_size_ - message_size_) return error(ProtocolError::message_too_big);
  return {};
}

Event MessageAssembler::on_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h) {
  if (h.is_control()) return on_control_payload(chunk, frame_end, h);

  if (message_opcode_ == Opcode::text && !utf8_.feed(chunk.data(), chunk.size()))
    return error(ProtocolError::invalid_utf8);
  bool whole_frame_here = frame_offset_ == 0 && frame_end;
  frame_offset_ += chunk.size();
  message_size_ += chunk.size();
  bool message_end = frame_end && h.fin;
  if (message_end && message_opcode_ == Opcode::text && !utf8_.complete())
    return error(ProtocolError::invalid_utf8);

  if (message_end && whole_frame_here && buffer_.empty()) {
    in_message_ = false;  // the common case: one frame, one read, no copy
    return {Event::Kind::message, message_opcode_, view(chunk.data(), chunk.size())};
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
  if (!message_end) return {};
  in_message_ = false;
  return {Event::Kind::message, message_opcode_, view(buffer_.data(), buffer_.size())};
}

Event MessageAssembler::on_control_payload(std::span<std::uint8_t> chunk, bool frame_end,
                                           const FrameHeader& h) {
  bool whole_frame_here = frame_offset_ == 0 && frame_end;
  frame_offset_ += chunk.size();
  if (whole_frame_here) return {Event::Kind::control, h.opcode, view(chunk.data(), chunk.size())};
  if (!control_) control_ = std::make_unique<ControlBuffer>();
  std::memcpy(control_->data + control_->size, chunk.data(), chunk.size());  // <= 125 in all
  control_->size = static_cast<std::uint8_t>(control_->size + chunk.size());
  if (!frame_end) return {};
  control_->complete = true;
  return {Event::Kind::control, h.opcode, view(control_->data, control_->size)};
}

void MessageAssembler::release() {
  if (!in_message_ && buffer_.capacity() != 0) std::vector<std::uint8_t>().swap(buffer_);
  if (control_ && control_->complete) control_.reset();
}

}  // namespace sluice::detail
