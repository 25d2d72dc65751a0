// BrokerMessage: one message as Redis delivers it to every relay, on the topic's channel. The
// publish script writes it; the relay parses it here:
//
//   SEQ TIME OPCODE EPOCH\nPAYLOAD        e.g. "42 1733339000123 t 5f0c2a9e7d41b836\n21.5"
//
// SEQ is the topic's sequence number for the whole cluster, TIME the publish time in ms by
// Redis's clock (no relay's clock is trusted), OPCODE 't' (text) or 'b' (binary), EPOCH the
// shard's epoch. Pure parsing; the views point into the text given.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sluice/opcode.hpp"

namespace sluice::relay {

struct BrokerMessage {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;
  Opcode opcode = Opcode::text;
  std::string_view epoch;
  std::string_view payload;
};

std::optional<BrokerMessage> parse_broker_message(std::string_view text);

// 't' or 'b', as the scripts take and give it.
inline char opcode_letter(Opcode op) { return op == Opcode::text ? 't' : 'b'; }
std::optional<Opcode> opcode_of_letter(std::string_view letter);

}  // namespace sluice::relay
