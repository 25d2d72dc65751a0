// MessageAssembler: turns frames into messages (RFC 6455 §5.4). It enforces fragment order and
// max_message_size, checks text as UTF-8 as bytes arrive, and hands back control frames. A
// message that arrives as one whole frame in one read is delivered in place, without a copy;
// only fragmented or split messages are gathered, and that buffer is freed once delivered. What
// it gathers is charged to a MemoryAccount (the server's budget) before it grows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "mem/memory_account.hpp"
#include "ws/frame_header.hpp"
#include "ws/protocol_error.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

// Shared by every assembler of an endpoint, which outlives them.
struct AssemblyLimits {
  std::uint32_t max_message_size;  // messages are limited to 4 GiB - 1 whatever is configured
  mem::MemoryAccount* account;

  static std::uint32_t clamp(std::size_t max_message_size) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(max_message_size, UINT32_MAX));
  }
};

class MessageAssembler {
 public:
  struct Event {
    enum class Kind : std::uint8_t { none, message, control, error };
    Kind kind = Kind::none;
    Opcode opcode = Opcode::binary;
    std::string_view data;  // valid until the next call or release()
    ProtocolError error = ProtocolError::none;
    // A message its sender compressed (RSV1 on its first frame, RFC 7692 §6): `data` is DEFLATE
    // data, whose text the receiver checks as UTF-8 once inflated.
    bool compressed = false;
  };

  explicit MessageAssembler(const AssemblyLimits& limits) : limits_(&limits) {}
  ~MessageAssembler() { drop_gathered(); }
  MessageAssembler(const MessageAssembler&) = delete;
  MessageAssembler& operator=(const MessageAssembler&) = delete;

  Event on_header(const FrameHeader& h);
  Event on_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h);
  // A whole frame at once (the same as on_header, then on_payload of all of it): an unfragmented
  // message or a control frame goes straight back to the caller, checked, without a copy.
  inline Event on_frame(const FrameHeader& h, std::span<std::uint8_t> payload);
  // Frees what the last delivered message or control frame occupied.
  void release() {
    if (gather_) release_gathered();
  }
  // Forgets the message in progress and frees what it gathered (the connection is ending).
  void discard() {
    drop_gathered();
    in_message_ = false;
  }
  bool idle() const { return !in_message_ && !gather_; }
  // Under permessage-deflate, whether each compressed message the peer sends starts afresh (its
  // no_context_takeover, RFC 7692 §7.1.1): kept here for the connection that inflates them, in
  // a spare bit, so that agreeing costs no memory until a message flows.
  void set_peer_starts_afresh(bool on) { peer_starts_afresh_ = on; }
  bool peer_starts_afresh() const { return peer_starts_afresh_; }
  // Memory held between calls (charged to the account), allocator overhead included.
  std::size_t held_bytes() const;

 private:
  Event on_control_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h);
  Event on_frame_general(const FrameHeader& h, std::span<std::uint8_t> payload);
  bool append(std::span<const std::uint8_t> chunk);
  bool grow(std::uint32_t capacity);
  void release_gathered();
  void drop_gathered();

  // Bytes held between reads: a fragmented or split message, and a split control frame (which
  // may arrive in the middle of a fragmented message). Allocated only while needed.
  struct Gather {
    std::uint8_t* data = nullptr;  // the message so far, grown as bytes arrive
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;  // from mem::kLargeBlock on, `data` is mapped
    std::uint8_t control_size = 0;
    bool control_complete = false;
    std::uint8_t control[kMaxControlPayload];
    ~Gather();
    void free_data();
  };
  static std::size_t data_footprint(std::uint32_t capacity);
  Gather* gather();  // null when the account refuses it

  std::unique_ptr<Gather> gather_;
  const AssemblyLimits* limits_;
  std::uint32_t message_size_ = 0;
  Utf8Validator utf8_;
  Opcode message_opcode_ = Opcode::binary;
  // Bits, so that the assembler stays within three words of the connection.
  bool in_message_ : 1 = false;
  bool frame_started_ : 1 = false;  // a payload chunk of the current frame was seen
  bool compressed_ : 1 = false;     // the message in progress is compressed: UTF-8 is checked later
  bool peer_starts_afresh_ : 1 = false;
};

inline MessageAssembler::Event MessageAssembler::on_frame(const FrameHeader& h,
                                                          std::span<std::uint8_t> payload) {
  // An unfragmented message (text or binary, final, none in progress) is checked and handed
  // back in place; everything else goes frame by frame.
  if (h.fin && !in_message_ && (h.opcode == Opcode::binary || h.opcode == Opcode::text)) {
    const std::string_view data(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (payload.size() > limits_->max_message_size)
      return {Event::Kind::error, Opcode::binary, {}, ProtocolError::message_too_big};
    const bool compressed = (h.rsv & rsv_bit::compressed) != 0;
    if (h.opcode == Opcode::text && !compressed && !is_valid_utf8(data))
      return {Event::Kind::error, Opcode::binary, {}, ProtocolError::invalid_utf8};
    return {Event::Kind::message, h.opcode, data, ProtocolError::none, compressed};
  }
  return on_frame_general(h, payload);
}

}  // namespace sluice::detail
