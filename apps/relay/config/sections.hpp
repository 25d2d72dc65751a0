// The loader's readers for each table of the file ([server], one [[topic]], one [[source]]),
// and what each remembers of positions for the checks across tables. Internal to the loader.
#pragma once

#include <filesystem>
#include <span>

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace sluice::relay::detail {

std::span<const EnumName<SlowConsumerPolicy>> policy_names();
std::span<const EnumName<sluice::Compression>> compression_names();

ServerConfig read_server(const TableReader& table, const std::filesystem::path& base_dir);
// [server]'s tls_* keys; the certificates are loaded to check them (files relative to base_dir).
void read_tls(const TableReader& table, const std::filesystem::path& base_dir, sluice::ServerTlsOptions& out);

struct TopicEntry {
  TopicConfig config;
  toml::source_region match_at;
};

TopicEntry read_topic(const TableReader& table);

BrokerConfig read_broker(const TableReader& table);

struct SourceEntry {
  SourceConfig config;
  toml::source_region name_at;  // the name's value, or the table when the name is the default
  toml::source_region type_at;
  toml::source_region topic_at;
  toml::source_region listen_at;  // udp and tcp listeners only
};

// `position` counts [[source]] tables from 1, for the default name.
SourceEntry read_source(const TableReader& table, std::size_t position);

}  // namespace sluice::relay::detail
