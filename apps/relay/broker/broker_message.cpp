#include "broker/broker_message.hpp"

#include <charconv>

namespace sluice::relay {

namespace {

template <class T>
bool number(std::string_view& in, T& out) {
  auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), out);
  if (ec != std::errc() || end == in.data() || end == in.data() + in.size() || *end != ' ') return false;
  in.remove_prefix(static_cast<std::size_t>(end - in.data()) + 1);
  return true;
}

}  // namespace

std::optional<Opcode> opcode_of_letter(std::string_view letter) {
  if (letter == "t") return Opcode::text;
  if (letter == "b") return Opcode::binary;
  return std::nullopt;
}

std::optional<BrokerMessage> parse_broker_message(std::string_view text) {
  BrokerMessage m;
  if (!number(text, m.seq) || m.seq == 0 || !number(text, m.time_ms)) return std::nullopt;
  if (text.size() < 2 || text[1] != ' ') return std::nullopt;
  auto op = opcode_of_letter(text.substr(0, 1));
  if (!op) return std::nullopt;
  m.opcode = *op;
  text.remove_prefix(2);
  const std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos || newline == 0) return std::nullopt;
  m.epoch = text.substr(0, newline);
  m.payload = text.substr(newline + 1);
  return m;
}

}  // namespace sluice::relay
