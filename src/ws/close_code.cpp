#include "sluice/close_code.hpp"

#include <iterator>

#include "ws/protocol_error.hpp"

namespace sluice::detail {

namespace {
struct Entry {
  std::uint16_t code;
  const char* text;
};
constexpr Entry kTable[] = {
    {close_code::normal, "no error"},
    {close_code::protocol_error, "reserved bits set without an extension"},
    {close_code::protocol_error, "unknown opcode"},
    {close_code::protocol_error, "unmasked client frame"},
    {close_code::protocol_error, "masked server frame"},
    {close_code::protocol_error, "fragmented control frame"},
    {close_code::protocol_error, "control frame payload over 125 bytes"},
    {close_code::protocol_error, "payload length not minimally encoded"},
    {close_code::protocol_error, "64-bit payload length with the high bit set"},
    {close_code::protocol_error, "continuation frame without a message in progress"},
    {close_code::protocol_error, "new data frame while a fragmented message is in progress"},
    {close_code::message_too_big, "message exceeds max_message_size"},
    {close_code::invalid_payload, "invalid UTF-8"},
    {close_code::protocol_error, "close frame payload of one byte"},
    {close_code::protocol_error, "invalid close code"},
    {close_code::message_too_big, "the message being assembled would pass the process memory budget"},
    {close_code::invalid_payload, "compressed data that does not inflate"},
};
static_assert(std::size(kTable) == static_cast<std::size_t>(ProtocolError::bad_compressed_data) + 1);
}  // namespace

std::uint16_t close_code_for(ProtocolError e) { return kTable[static_cast<std::size_t>(e)].code; }
const char* describe(ProtocolError e) { return kTable[static_cast<std::size_t>(e)].text; }

bool is_valid_wire_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;  // 1012-1014 registered after RFC 6455
  return code >= 3000 && code <= 4999;
}

}  // namespace sluice::detail
