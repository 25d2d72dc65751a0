// The entry points of the loader: parse the TOML, read each table, then check what no single
// table can: patterns written twice, source names used twice, two listeners on one address,
// more than one stdin source, and sources publishing to topics that do not let them.
#include "config/config.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "config/sections.hpp"
#include "config/toml_text_check.hpp"
#include "config/units.hpp"
#include "topics/topic_matcher.hpp"

namespace sluice::relay {
namespace {

using detail::ConfigFailure;
using detail::fail_at;
using detail::SourceEntry;
using detail::TableReader;
using detail::TopicEntry;

constexpr std::size_t max_file_size = 16 * MiB;

std::string line_of(const toml::source_region& where) { return "line " + std::to_string(where.begin.line); }

const toml::table& table_at(const std::string& file, const toml::node& node, std::string_view name) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    fail_at(file, node.source(),
            "'" + std::string(name) + "' must be a table: write [" + std::string(name) + "]");
  }
  return *table;
}

// [[name]] tables; an empty array is allowed and means none.
const toml::array& tables_at(const std::string& file, const toml::node& node, std::string_view name) {
  const toml::array* array = node.as_array();
  if (array == nullptr || (!array->empty() && !array->is_array_of_tables())) {
    fail_at(file, node.source(),
            "'" + std::string(name) + "' must be an array of tables: write [[" + std::string(name) + "]]");
  }
  return *array;
}

void check_topics(const std::string& file, const std::vector<TopicEntry>& topics) {
  for (std::size_t i = 0; i < topics.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (topics[j].config.match == topics[i].config.match) {
        fail_at(file, topics[i].match_at,
                "topic.match: \"" + topics[i].config.match + "\" is already configured at " +
                    line_of(topics[j].match_at));
      }
    }
  }
}

void check_names(const std::string& file, const std::vector<SourceEntry>& sources) {
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (sources[j].config.name == sources[i].config.name) {
        fail_at(
            file, sources[i].name_at,
            "source name '" + sources[i].config.name + "' is already used at " + line_of(sources[j].name_at));
      }
    }
  }
  const SourceEntry* first_stdin = nullptr;
  for (const SourceEntry& s : sources) {
    if (s.config.type() != SourceType::standard_input) continue;
    if (first_stdin != nullptr) {
      fail_at(file, s.type_at, "there is already a stdin source at " + line_of(first_stdin->type_at));
    }
    first_stdin = &s;
  }
}

struct Listener {
  bool tcp;
  Endpoint endpoint;
  std::string owner;
  toml::source_region at;
};

// Exactly equal addresses only: "0.0.0.0:80" and "127.0.0.1:80" also clash, but bind() says so.
void check_listeners(const std::string& file, const ServerConfig& server,
                     const toml::source_region& server_at, const std::vector<SourceEntry>& sources) {
  std::vector<Listener> listeners;
  listeners.push_back({true, server.listen, "[server]", server_at});
  for (const SourceEntry& s : sources) {
    if (const auto* udp = std::get_if<UdpSource>(&s.config.settings)) {
      listeners.push_back({false, udp->listen, "source '" + s.config.name + "'", s.listen_at});
    } else if (const auto* tcp = std::get_if<TcpSource>(&s.config.settings);
               tcp && tcp->role == TcpRole::listen) {
      listeners.push_back({true, tcp->endpoint, "source '" + s.config.name + "'", s.listen_at});
    }
  }
  for (std::size_t i = 1; i < listeners.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const Listener& a = listeners[j];
      const Listener& b = listeners[i];
      if (a.tcp == b.tcp && a.endpoint == b.endpoint && b.endpoint.port != 0) {
        fail_at(file, b.at, "source.listen: " + b.endpoint.to_string() + " is already used by " + a.owner);
      }
    }
  }
}

void check_publish_rights(const std::string& file, const std::vector<TopicEntry>& topics,
                          const std::vector<SourceEntry>& sources) {
  std::vector<TopicPattern> patterns;
  for (const TopicEntry& t : topics) patterns.push_back(*TopicPattern::parse(t.config.match));
  const TopicMatcher matcher(std::move(patterns));
  for (const SourceEntry& s : sources) {
    const auto index = matcher.find(s.config.topic);
    if (!index || topics[*index].config.publish.sources) continue;
    fail_at(file, s.topic_at,
            "source.topic: sources may not publish to \"" + s.config.topic + "\": its [[topic]] \"" +
                topics[*index].config.match + "\" at " + line_of(topics[*index].match_at) +
                " has no \"sources\" in publish");
  }
}

RelayConfig read_root(const std::string& file, const toml::table& root,
                      const std::filesystem::path& base_dir) {
  TableReader(file, root, "", "at the top level").check_keys(top_level_keys());
  RelayConfig config;
  config.origin = file;
  toml::source_region server_at = root.source();
  if (const toml::node* node = root.get("server")) {
    const toml::table& table = table_at(file, *node, "server");
    const TableReader reader(file, table, "server", "in [server]");
    config.server = detail::read_server(reader, base_dir);
    server_at = reader.where("listen");
  }
  std::vector<TopicEntry> topics;
  if (const toml::node* node = root.get("topic")) {
    for (const toml::node& t : tables_at(file, *node, "topic")) {
      topics.push_back(detail::read_topic(TableReader(file, *t.as_table(), "topic", "in [[topic]]")));
    }
  }
  std::vector<SourceEntry> sources;
  if (const toml::node* node = root.get("source")) {
    for (const toml::node& s : tables_at(file, *node, "source")) {
      sources.push_back(detail::read_source(TableReader(file, *s.as_table(), "source", "in [[source]]"),
                                            sources.size() + 1));
    }
  }
  check_topics(file, topics);
  check_names(file, sources);
  check_listeners(file, config.server, server_at, sources);
  check_publish_rights(file, topics, sources);
  for (TopicEntry& t : topics) config.topics.push_back(std::move(t.config));
  for (SourceEntry& s : sources) config.sources.push_back(std::move(s.config));
  return config;
}

ConfigResult load(std::string_view text, const std::string& file, const std::filesystem::path& base_dir) {
  if (std::optional<TextProblem> p = check_toml_text(text))
    return ConfigResult{std::nullopt, ConfigError{file, p->line, p->column, "invalid TOML: " + p->message}};
  try {
    toml::table root;
    try {
      root = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
      fail_at(file, e.source(), "invalid TOML: " + std::string(e.description()));
    }
    return ConfigResult{read_root(file, root, base_dir), {}};
  } catch (ConfigFailure& failure) {
    return ConfigResult{std::nullopt, std::move(failure.error)};
  }
}

}  // namespace

std::string_view to_string(SourceType type) {
  switch (type) {
    case SourceType::udp: return "udp";
    case SourceType::tcp: return "tcp";
    case SourceType::serial: return "serial";
    case SourceType::standard_input: return "stdin";
    case SourceType::exec: return "exec";
    case SourceType::demo: return "demo";
  }
  return "unknown";
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return ConfigResult{std::nullopt,
                        ConfigError{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)}};
  // Read in pieces, so that what the read holds follows the file: a buffer of the largest size
  // allowed, filled with zeros up front, stayed resident in a running relay after every reload.
  std::string text;
  char piece[16 * KiB];
  while (in.read(piece, sizeof piece) || in.gcount() > 0) {
    text.append(piece, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_file_size) {
      return ConfigResult{std::nullopt,
                          ConfigError{path, 0, 0, "is larger than " + format_size(max_file_size)}};
    }
  }
  if (in.bad()) return ConfigResult{std::nullopt, ConfigError{path, 0, 0, "cannot read: I/O error"}};
  return load(text, path, std::filesystem::path(path).parent_path());
}

ConfigResult load_config_string(std::string_view text, std::string_view name) {
  return load(text, std::string(name), std::filesystem::path());
}

RelayConfig default_config() { return RelayConfig{}; }

}  // namespace sluice::relay
