#include "ws/deflate_offer.hpp"

#include <charconv>

namespace sluice::detail {
namespace {

constexpr std::string_view kName = "permessage-deflate";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The next element of a list separated by `sep`, outside quoted strings; `rest` moves past it.
std::string_view next_item(std::string_view& rest, char sep) {
  bool quoted = false;
  std::size_t i = 0;
  for (; i < rest.size(); ++i) {
    if (rest[i] == '"') quoted = !quoted;
    if (rest[i] == sep && !quoted) break;
  }
  std::string_view item = rest.substr(0, i);
  rest = i < rest.size() ? rest.substr(i + 1) : std::string_view();
  return trim(item);
}

// A window size: a token or quoted string holding 8..15 (RFC 7692 §7.1.2.1, §7.1.2.2).
std::optional<std::uint8_t> window_bits(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty() || v.front() == '0' || n < 8 || n > 15)
    return std::nullopt;
  return static_cast<std::uint8_t>(n);
}

// One extension's parameters as written, each at most once.
struct Written {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  std::optional<std::uint8_t> server_max_window_bits;
  bool client_max_window_bits = false;  // present, with or without a value
  std::optional<std::uint8_t> client_max_window_bits_value;
};

// Parses "permessage-deflate; a; b=c" (the name already checked and removed from `params`):
// nullopt on an unknown or repeated parameter or a bad value.
std::optional<Written> parse_params(std::string_view params) {
  Written w;
  bool seen_smwb = false;
  while (!params.empty()) {
    std::string_view item = next_item(params, ';');
    if (item.empty()) return std::nullopt;
    const std::size_t eq = item.find('=');
    const std::string_view name = trim(item.substr(0, eq));
    const std::optional<std::string_view> value =
        eq == std::string_view::npos ? std::nullopt : std::optional(trim(item.substr(eq + 1)));
    if (iequals(name, "server_no_context_takeover") || iequals(name, "client_no_context_takeover")) {
      bool& flag = iequals(name, "server_no_context_takeover") ? w.server_no_context_takeover
                                                               : w.client_no_context_takeover;
      if (flag || value) return std::nullopt;
      flag = true;
    } else if (iequals(name, "server_max_window_bits")) {
      if (seen_smwb || !value) return std::nullopt;
      seen_smwb = true;
      w.server_max_window_bits = window_bits(*value);
      if (!w.server_max_window_bits) return std::nullopt;
    } else if (iequals(name, "client_max_window_bits")) {
      if (w.client_max_window_bits) return std::nullopt;
      w.client_max_window_bits = true;
      if (value) {
        w.client_max_window_bits_value = window_bits(*value);
        if (!w.client_max_window_bits_value) return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
  }
  return w;
}

// Splits "name; params" and tells whether it is permessage-deflate.
bool is_deflate(std::string_view extension, std::string_view& params) {
  std::string_view rest = extension;
  const std::string_view name = next_item(rest, ';');
  params = rest;
  return iequals(name, kName);
}

}  // namespace

std::optional<DeflateParams> accept_deflate_offer(std::string_view offers, Compression mode) {
  if (mode == Compression::off) return std::nullopt;
  while (!offers.empty()) {
    std::string_view params;
    if (!is_deflate(next_item(offers, ','), params)) continue;
    const std::optional<Written> w = parse_params(params);
    if (!w) continue;
    DeflateParams p;
    p.server_no_context_takeover = w->server_no_context_takeover || mode == Compression::shared;
    // Shared mode inflates with a stream of the thread's, which needs every message to start
    // afresh; a dedicated one keeps what the client's context needs.
    p.client_no_context_takeover = w->client_no_context_takeover || mode == Compression::shared;
    p.server_max_window_bits = w->server_max_window_bits.value_or(15);
    p.client_max_window_bits = w->client_max_window_bits_value.value_or(15);
    return p;
  }
  return std::nullopt;
}

std::string deflate_response(const DeflateParams& p) {
  std::string out(kName);
  if (p.server_no_context_takeover) out += "; server_no_context_takeover";
  if (p.client_no_context_takeover) out += "; client_no_context_takeover";
  if (p.server_max_window_bits != 15)
    out += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
  if (p.client_max_window_bits != 15)
    out += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
  return out;
}

std::string deflate_offer(Compression mode) {
  if (mode == Compression::off) return {};
  std::string out(kName);
  if (mode == Compression::shared) out += "; client_no_context_takeover";
  out += "; client_max_window_bits";
  return out;
}

std::optional<DeflateParams> read_deflate_response(std::string_view answer, Compression mode) {
  if (mode == Compression::off) return std::nullopt;
  std::string_view rest = answer;
  std::string_view params;
  if (!is_deflate(next_item(rest, ','), params) || !trim(rest).empty()) return std::nullopt;
  const std::optional<Written> w = parse_params(params);
  // A value for client_max_window_bits is how the server limits us (we offered it bare).
  if (!w || (w->client_max_window_bits && !w->client_max_window_bits_value)) return std::nullopt;
  DeflateParams p;
  p.server_no_context_takeover = w->server_no_context_takeover;
  p.client_no_context_takeover = w->client_no_context_takeover || mode == Compression::shared;
  p.server_max_window_bits = w->server_max_window_bits.value_or(15);
  p.client_max_window_bits = w->client_max_window_bits_value.value_or(15);
  return p;
}

}  // namespace sluice::detail
