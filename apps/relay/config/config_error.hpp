// ConfigError: why a configuration was refused, at start and at reload, in the form editors
// and terminals jump to: "FILE:LINE:COLUMN: what is wrong". The position is that of the
// offending value (or key, for an unknown key); errors about the file as a whole have none.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::relay {

struct ConfigError {
  std::string file;
  std::uint32_t line = 0;  // 1-based; 0: no position (the file could not be read)
  std::uint32_t column = 0;
  std::string message;

  std::string to_string() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  }
};

}  // namespace sluice::relay
