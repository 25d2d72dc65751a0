// TableReader: typed, range-checked reads of one TOML table for the configuration loader, each
// failure reported at the offending value's position as "table.key: what is wrong". Internal
// to the loader: only the loader includes toml++, and failures are thrown as ConfigFailure,
// which the load_config_* entry points turn into a ConfigError value.
#pragma once

#include <toml++/toml.h>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/config_error.hpp"
#include "config/config_schema.hpp"
#include "config/endpoint.hpp"

namespace sluice::relay::detail {

struct ConfigFailure {
  ConfigError error;
};

[[noreturn]] void fail_at(const std::string& file, const toml::source_region& where, std::string message);

std::string type_name(const toml::node& node);

// A keyword and the value it stands for, for read_enum.
template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

class TableReader {
 public:
  // `path` prefixes value errors ("server" gives "server.threads: ..."); `section` places the
  // table in unknown-key errors ("in [server]", "at the top level").
  TableReader(const std::string& file, const toml::table& table, std::string path, std::string section)
      : file_(file), table_(table), path_(std::move(path)), section_(std::move(section)) {}

  const toml::table& table() const { return table_; }
  const std::string& file() const { return file_; }
  const toml::node* find(std::string_view key) const { return table_.get(key); }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The position of `key`'s value, or of the table when the key is absent.
  const toml::source_region& where(std::string_view key) const;

  // Refuses the first key not in `known`, at the key's position, suggesting a close one.
  void check_keys(std::span<const KeyInfo> known) const;

  // "table.key: message" at the value of `key` (or at `at`, an element of it).
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  [[noreturn]] void fail(const toml::node& at, std::string_view key, std::string_view message) const;
  // "message" at the key itself, for keys that are not allowed where they are.
  [[noreturn]] void fail_key(std::string_view key, std::string_view message) const;
  // "message" at the table's header.
  [[noreturn]] void fail_table(std::string_view message) const;

  // Each read_* leaves `out` untouched when the key is absent.
  void read_bool(std::string_view key, bool& out) const;
  void read_int(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out) const;
  template <class T>
  void read_int(std::string_view key, std::int64_t min, std::int64_t max, T& out) const {
    auto v = static_cast<std::int64_t>(out);
    read_int(key, min, max, v);
    out = static_cast<T>(v);
  }
  // A string such as "64KiB", or an integer number of bytes.
  void read_size(std::string_view key, std::uint64_t min, std::uint64_t max, std::size_t& out) const;
  void read_size(std::string_view key, std::uint64_t min, std::uint64_t max,
                 std::optional<std::size_t>& out) const;
  // A string such as "10s"; the integer 0 is accepted too.
  void read_duration(std::string_view key, std::chrono::milliseconds min, std::chrono::milliseconds max,
                     std::chrono::milliseconds& out) const;
  // A non-empty string.
  void read_string(std::string_view key, std::string& out) const;
  void read_endpoint(std::string_view key, Endpoint& out) const;
  // An array of strings; `check` returns an error message for an element, or "".
  template <class Check>
  void read_strings(std::string_view key, std::vector<std::string>& out, Check check) const {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(key, "expected an array of strings, got " + type_name(*node));
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      const auto* s = element.as_string();
      if (s == nullptr) fail(element, key, "expected a string, got " + type_name(element));
      const std::string problem = check(s->get());
      if (!problem.empty()) fail(element, key, problem);
      values.push_back(s->get());
    }
    out = std::move(values);
  }
  template <class E>
  void read_enum(std::string_view key, std::type_identity_t<std::span<const EnumName<E>>> names,
                 E& out) const {
    if (const toml::node* node = find(key)) out = enum_value<E>(*node, key, names);
  }
  template <class E>
  E enum_value(const toml::node& node, std::string_view key,
               std::type_identity_t<std::span<const EnumName<E>>> names) const {
    const auto* s = node.as_string();
    std::string list;
    for (const auto& n : names) {
      if (s != nullptr && n.name == s->get()) return n.value;
      list += list.empty() ? "" : " | ";
      list += n.name;
    }
    if (s == nullptr) fail(node, key, "expected one of " + list + ", got " + type_name(node));
    fail(node, key, "\"" + s->get() + "\" is not one of " + list);
  }

 private:
  std::uint64_t size_value(std::string_view key) const;

  const std::string& file_;
  const toml::table& table_;
  std::string path_;
  std::string section_;
};

}  // namespace sluice::relay::detail
