// [server]: the listener, the engine's limits and deadlines, who may publish over HTTP, and the
// API key (given inline, or read from a file at load).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "config/sections.hpp"
#include "config/units.hpp"

namespace sluice::relay::detail {
namespace {

using std::chrono::hours;

constexpr std::uint64_t max_budget = 1ull << 40;
constexpr std::size_t max_api_key_file = 4 * KiB;

constexpr EnumName<SlowConsumerPolicy> policies[] = {
    {to_string(SlowConsumerPolicy::close), SlowConsumerPolicy::close},
    {to_string(SlowConsumerPolicy::drop_newest), SlowConsumerPolicy::drop_newest},
    {to_string(SlowConsumerPolicy::drop_oldest), SlowConsumerPolicy::drop_oldest},
    {to_string(SlowConsumerPolicy::latest), SlowConsumerPolicy::latest},
    {to_string(SlowConsumerPolicy::backpressure), SlowConsumerPolicy::backpressure},
};

constexpr EnumName<sluice::Compression> compressions[] = {
    {sluice::compression_name(sluice::Compression::off), sluice::Compression::off},
    {sluice::compression_name(sluice::Compression::shared), sluice::Compression::shared},
    {sluice::compression_name(sluice::Compression::dedicated), sluice::Compression::dedicated},
};

// An Origin header is SCHEME://HOST[:PORT] and nothing more (RFC 6454 §7).
std::string origin_problem(const std::string& origin) {
  const std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0 || scheme_end + 3 == origin.size()) {
    return "\"" + origin + "\" is not an origin: write SCHEME://HOST[:PORT], e.g. \"https://example.org\"";
  }
  if (origin.find('/', scheme_end + 3) != std::string::npos) {
    return "\"" + origin + "\" has a path: an origin is SCHEME://HOST[:PORT] only";
  }
  return "";
}

// Keys travel in headers and query strings, where spaces and control characters do not.
bool is_printable_token(std::string_view key) {
  for (unsigned char c : key) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return !key.empty();
}

std::string read_key_file(const TableReader& r, const std::filesystem::path& base_dir) {
  std::string written;
  r.read_string("api_key_file", written);
  std::filesystem::path path(written);
  if (path.is_relative()) path = base_dir / path;
  std::ifstream in(path, std::ios::binary);
  if (!in) r.fail("api_key_file", "cannot read \"" + path.string() + "\": " + std::strerror(errno));
  std::string key;
  key.resize(max_api_key_file + 1);
  in.read(key.data(), static_cast<std::streamsize>(key.size()));
  key.resize(static_cast<std::size_t>(in.gcount()));
  if (key.size() > max_api_key_file) r.fail("api_key_file", "\"" + path.string() + "\" is larger than 4KiB");
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.empty()) r.fail("api_key_file", "\"" + path.string() + "\" is empty");
  if (!is_printable_token(key)) {
    r.fail("api_key_file", "the key in \"" + path.string() + "\" must be printable ASCII without spaces");
  }
  return key;
}

void read_api_key(const TableReader& r, const std::filesystem::path& base_dir, std::string& out) {
  if (r.has("api_key") && r.has("api_key_file"))
    r.fail("api_key_file", "set api_key or api_key_file, not both");
  if (r.has("api_key_file")) {
    out = read_key_file(r, base_dir);
    return;
  }
  r.read_string("api_key", out);
  if (r.has("api_key") && !is_printable_token(out))
    r.fail("api_key", "must be printable ASCII without spaces");
}

void read_publish_from(const TableReader& r, std::vector<Cidr>& out) {
  std::vector<std::string> texts;
  r.read_strings("http_publish_from", texts, [](const std::string& text) {
    const auto parsed = Cidr::parse(text);
    return parsed.ok() ? std::string() : parsed.error();
  });
  if (!r.has("http_publish_from")) return;
  out.clear();
  for (const auto& t : texts) out.push_back(Cidr::parse(t).value());
}

void read_send_limits(const TableReader& r, ServerConfig& s) {
  r.read_size("max_buffered_bytes", 1, max_budget, s.max_buffered_bytes);
  r.read_size("low_watermark", 0, max_budget, s.low_watermark);
  if (s.low_watermark > s.max_buffered_bytes) {
    const std::string_view key = r.has("low_watermark") ? "low_watermark" : "max_buffered_bytes";
    r.fail(key, "low_watermark (" + format_size(s.low_watermark) +
                    ") must not be above max_buffered_bytes (" + format_size(s.max_buffered_bytes) + ")");
  }
  r.read_size("memory_limit", 1 * MiB, max_budget, s.memory_limit);
  r.read_size("max_total_buffered_bytes", 1, max_budget, s.max_total_buffered_bytes);
  r.read_enum("policy", policy_names(), s.policy);
  r.read_size("send_buffer_bytes", 0, 1 * GiB, s.send_buffer_bytes);
  r.read_enum("compression", compression_names(), s.compression);
  r.read_size("compression_threshold", 0, 1 * GiB, s.compression_threshold);
}

void read_deadlines(const TableReader& r, ServerConfig& s) {
  const milliseconds zero{0};
  const milliseconds one{1};
  r.read_duration("close_grace", zero, hours{1}, s.close_grace);
  r.read_duration("write_timeout", zero, hours{24}, s.write_timeout);
  r.read_duration("ping_interval", zero, hours{24}, s.ping_interval);
  r.read_duration("idle_timeout", zero, hours{24}, s.idle_timeout);
  r.read_duration("close_timeout", one, hours{1}, s.close_timeout);
  r.read_duration("handshake_timeout", one, hours{1}, s.handshake_timeout);
  r.read_duration("shutdown_timeout", one, hours{1}, s.shutdown_timeout);
  r.read_duration("shutdown_delay", zero, hours{1}, s.shutdown_delay);
}

}  // namespace

std::span<const EnumName<SlowConsumerPolicy>> policy_names() { return policies; }
std::span<const EnumName<sluice::Compression>> compression_names() { return compressions; }

ServerConfig read_server(const TableReader& r, const std::filesystem::path& base_dir) {
  r.check_keys(server_keys());
  ServerConfig s;
  r.read_endpoint("listen", s.listen);
  r.read_int("threads", 1, 256, s.threads);
  r.read_int("max_connections", 1, 10'000'000, s.max_connections);
  r.read_int("max_connections_per_ip", 1, 10'000'000, s.max_connections_per_ip);
  r.read_int("max_handshakes", 1, 1'000'000, s.max_handshakes);
  r.read_size("max_message_size", 1, 1 * GiB, s.max_message_size);
  r.read_strings("allowed_origins", s.allowed_origins, origin_problem);
  read_api_key(r, base_dir, s.api_key);
  read_publish_from(r, s.http_publish_from);
  read_send_limits(r, s);
  read_deadlines(r, s);
  read_tls(r, base_dir, s.tls);
  r.read_bool("metrics", s.metrics);
  return s;
}

}  // namespace sluice::relay::detail
