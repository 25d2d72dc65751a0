// Fuzzes the relay's configuration loader (apps/relay/config: load_config_string) with any TOML
// text. A refusal must be one ConfigError naming the file, a line and column inside the text
// (or none), and a message of one line without control characters, as the relay prints it
// (FILE:LINE:COLUMN: why). A configuration it accepts must hold every rule the loader
// promises, and must be usable as the relay uses it: topic settings built and asked, the
// engine's options derived, each source's decoder made.
//
// api_key_file names a file the loader reads. So that an input reads no file of this machine,
// an input that sets it (toml++ parses the text first to find out, however the key is
// spelled) is loaded from a copy in a scratch directory that holds a few key files, and only
// when the name it gives is a plain name inside that directory.
#include <toml++/toml.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/toml_text_check.hpp"
#include "config/topic_settings.hpp"
#include "fuzz_support.hpp"
#include "relay/server_options.hpp"
#include "topics/topic_pattern.hpp"

namespace sluice::fuzz {
namespace {

namespace fs = std::filesystem;
using namespace relay;

constexpr std::string_view kName = "fuzz.toml";

// The scratch directory with the key files an input may name: one valid, one empty, one with a
// space, one over the 4 KiB limit. Made at the first input that needs it, removed at exit.
class KeyDir {
 public:
  KeyDir() {
    std::string pattern = (fs::temp_directory_path() / "sluice-config-fuzz-XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
    write("key", "s3cr3t-key\n");
    write("empty", "");
    write("spaced", "two words\n");
    write("big", std::string(5000, 'k'));
  }
  ~KeyDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  KeyDir(const KeyDir&) = delete;
  KeyDir& operator=(const KeyDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  void write(const char* name, const std::string& text) const { std::ofstream(path_ / name) << text; }
  fs::path path_;
};

const fs::path& key_dir() {
  static const KeyDir dir;
  return dir.path();
}

// How an input must be loaded: as a string, from a copy in key_dir(), or not at all.
enum class LoadAs : std::uint8_t { string, file, skip };

LoadAs load_as(std::string_view text) {
  // Every spelling of the key either contains it literally or uses an escape.
  if (text.find("api_key_file") == std::string_view::npos && text.find('\\') == std::string_view::npos)
    return LoadAs::string;
  // Text the loader refuses before parsing (and which toml++ must not see) reads no file.
  if (relay::check_toml_text(text)) return LoadAs::string;
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error&) {
    return LoadAs::string;  // the loader stops at the same syntax error, before any file
  }
  const toml::table* server = root["server"].as_table();
  const toml::node* key_file = server ? server->get("api_key_file") : nullptr;
  if (!key_file) return LoadAs::string;
  const std::optional<std::string> name = key_file->value<std::string>();
  if (!name) return LoadAs::string;  // a wrong type is refused before anything is read
  if (name->empty() || name->find('/') != std::string::npos || *name == "." || *name == "..")
    return LoadAs::skip;
  return LoadAs::file;
}

bool one_clean_line(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return false;
  return !s.empty();
}

void check_error(const ConfigError& e, std::string_view text, std::string_view file) {
  FUZZ_CHECK(e.file == file);
  FUZZ_CHECK(one_clean_line(e.message));
  if (e.line == 0) return;  // about the file as a whole
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  FUZZ_CHECK(e.line <= lines);
  FUZZ_CHECK(e.column >= 1 && e.column <= text.size() + 1);
}

void check_server(const ServerConfig& s) {
  FUZZ_CHECK(s.threads >= 1 && s.threads <= 256);
  FUZZ_CHECK(s.max_connections >= 1 && s.max_connections_per_ip >= 1 && s.max_handshakes >= 1);
  FUZZ_CHECK(s.max_message_size >= 1 && s.max_message_size <= GiB);
  FUZZ_CHECK(s.max_buffered_bytes >= 1 && s.low_watermark <= s.max_buffered_bytes);
  FUZZ_CHECK(!s.max_total_buffered_bytes || *s.max_total_buffered_bytes >= 1);
  FUZZ_CHECK(s.close_timeout.count() >= 1 && s.handshake_timeout.count() >= 1 &&
             s.shutdown_timeout.count() >= 1);
  for (unsigned char c : s.api_key) FUZZ_CHECK(c > 0x20 && c < 0x7F);
  for (const std::string& origin : s.allowed_origins) FUZZ_CHECK(origin.find("://") != std::string::npos);
  const sluice::ServerOptions o = engine_options(s, s.memory_limit.value_or(std::uint64_t{1} << 30));
  FUZZ_CHECK(o.max_body_bytes == s.max_message_size && o.threads == s.threads);
  FUZZ_CHECK(o.send_buffer_bytes >= 0);
  settings_needing_restart(default_config().server, s);
}

void check_topics(const RelayConfig& config) {
  std::set<std::string> matches;
  for (const TopicConfig& t : config.topics) {
    FUZZ_CHECK(TopicPattern::parse(t.match).has_value());
    FUZZ_CHECK(matches.insert(t.match).second);
    // A history ring with these bounds is what every topic of the entry gets.
    HistoryRing ring(history_limits(t));
    FUZZ_CHECK(ring.size() == 0);
    FUZZ_CHECK(max_buffered_bytes(t, config.server) >= 1);
  }
  const TopicSettings settings(config.topics);
  for (const char* name : {"a", "a/b", "sensors/radio/1", "demo", "x/y/z/w"}) {
    const TopicConfig& t = settings.for_topic(name);
    const auto index = settings.index_of(name);
    FUZZ_CHECK(index ? &t == &settings.topics()[*index] : &t == &settings.defaults());
  }
}

void check_sources(const RelayConfig& config) {
  std::set<std::string> names;
  const TopicSettings settings(config.topics);
  for (const SourceConfig& s : config.sources) {
    FUZZ_CHECK(!s.name.empty() && names.insert(s.name).second);
    FUZZ_CHECK(check_topic_name(s.topic) == TopicCheck::ok);
    FUZZ_CHECK(settings.for_topic(s.topic).publish.sources);
    FUZZ_CHECK(make_decoder(s.framing, s.framing_limits()) != nullptr);
    FUZZ_CHECK(!to_string(s.type()).empty());
  }
}

void check_config(const RelayConfig& config) {
  check_server(config.server);
  check_topics(config);
  check_sources(config);
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  const std::string_view text = chars({data, size});
  sluice::relay::ConfigResult r;
  std::string file(kName);
  switch (load_as(text)) {
    case LoadAs::skip: return 0;
    case LoadAs::string: r = sluice::relay::load_config_string(text, kName); break;
    case LoadAs::file: {
      file = (key_dir() / "relay.toml").string();
      std::ofstream(file, std::ios::binary | std::ios::trunc)
          .write(text.data(), static_cast<std::streamsize>(size));
      r = sluice::relay::load_config_file(file);
      break;
    }
  }
  FUZZ_CHECK(r.ok() == r.error.message.empty());
  if (!r.ok()) {
    check_error(r.error, text, file);
    return 0;
  }
  FUZZ_CHECK(r.config->origin == file);
  check_config(*r.config);
  return 0;
}
