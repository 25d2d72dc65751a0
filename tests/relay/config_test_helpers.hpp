// Helpers for the configuration tests: load TOML text as "test.toml" and get the config, or
// the error (failing the test when the other one comes back).
#pragma once

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace sluice::relay::test {

inline RelayConfig config_of(std::string_view toml) {
  ConfigResult r = load_config_string(toml, "test.toml");
  EXPECT_TRUE(r.ok()) << r.error.to_string();
  return r.ok() ? std::move(*r.config) : RelayConfig{};
}

inline ConfigError error_of(std::string_view toml) {
  ConfigResult r = load_config_string(toml, "test.toml");
  EXPECT_FALSE(r.ok()) << "loaded:\n" << toml;
  return r.error;
}

// The error's message, for tests that check only what it says.
inline std::string message_of(std::string_view toml) { return error_of(toml).message; }

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace sluice::relay::test
