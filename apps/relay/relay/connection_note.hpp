// What the relay tells the engine about a connection (Behaviors::describe) and reads back from
// Server::connections() for the /stats table of the slowest connections: the request target it
// upgraded on and when it opened, as "OPENED_MS TARGET". Only these two functions know the form.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::relay {

struct ConnectionNote {
  std::int64_t opened_ms = 0;  // system clock, ms since the Unix epoch
  std::string target;          // path, then '?' and the query when there is one
};

std::string encode_note(const ConnectionNote& note);
std::optional<ConnectionNote> decode_note(std::string_view text);

}  // namespace sluice::relay
