// The configuration schema as data: every key of every table, with its default and meaning.
// The loader refuses any key not listed here, describe_config() prints the list, and a test
// checks that examples/sluice.toml shows every key, so the three cannot drift apart.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace sluice::relay {

struct KeyInfo {
  std::string_view name;
  std::string_view default_value;  // as it would be written in the file, or a description in parentheses
  std::string_view meaning;
};

std::span<const KeyInfo> top_level_keys();  // server, topic, source
std::span<const KeyInfo> server_keys();
std::span<const KeyInfo> tls_sni_keys();  // each entry of [server] tls_sni
std::span<const KeyInfo> topic_keys();
std::span<const KeyInfo> broker_keys();
std::span<const KeyInfo> source_keys();  // valid for every source type (with the exceptions noted)
std::span<const KeyInfo> source_type_keys(SourceType type);

const KeyInfo* find_key(std::span<const KeyInfo> keys, std::string_view name);

// Every table and key with its default and meaning, as text for `sluice --help-config`.
std::string describe_config();

}  // namespace sluice::relay
