#include "relay/connection_note.hpp"

#include <charconv>

namespace sluice::relay {

std::string encode_note(const ConnectionNote& note) {
  return std::to_string(note.opened_ms) + ' ' + note.target;
}

std::optional<ConnectionNote> decode_note(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  ConnectionNote note;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + space, note.opened_ms);
  if (ec != std::errc() || end != text.data() + space) return std::nullopt;
  note.target = std::string(text.substr(space + 1));
  return note;
}

}  // namespace sluice::relay
