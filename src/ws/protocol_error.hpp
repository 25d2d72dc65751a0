// Every way a peer can break RFC 6455, and the one table that maps each to its close code.
#pragma once

#include <cstdint>

namespace sluice::detail {

enum class ProtocolError : std::uint8_t {
  none,
  reserved_bits,            // RSV1-3 set without a negotiated extension (§5.2)
  unknown_opcode,           // opcodes 3-7 and 0xB-0xF (§5.2)
  unmasked_client_frame,    // a client frame must be masked (§5.1)
  masked_server_frame,      // a server frame must not be masked (§5.1)
  fragmented_control,       // control frames have FIN set (§5.5)
  control_too_long,         // control payload over 125 bytes (§5.5)
  non_minimal_length,       // the minimal number of length bytes must be used (§5.2)
  length_high_bit,          // 64-bit length with its most significant bit set (§5.2)
  unexpected_continuation,  // continuation with no message in progress (§5.4)
  expected_continuation,    // a new data frame while a message is in progress (§5.4)
  message_too_big,          // over max_message_size
  invalid_utf8,             // text message or close reason is not UTF-8 (§8.1)
  close_payload_one_byte,   // a close body of length 1 cannot hold a code (§5.5.1)
  invalid_close_code,       // a code that may not appear on the wire (§7.4)
  over_memory_budget,       // assembling more of the message would pass the process budget
  bad_compressed_data,      // a compressed message zlib cannot inflate (RFC 7692 §7.2.2)
};

std::uint16_t close_code_for(ProtocolError e);
const char* describe(ProtocolError e);

// May `code` be sent in a close frame? (§7.4.1-§7.4.2 and the IANA registry.)
bool is_valid_wire_close_code(std::uint16_t code);

}  // namespace sluice::detail
