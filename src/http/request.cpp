// The public HttpRequest / UpgradeRequest accessors and the header-token helpers they share.
#include "http/tokens.hpp"

namespace sluice {
namespace detail {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_token(const HttpRequest& req, std::string_view name, std::string_view token) {
  return any_token(req, name, [&](std::string_view t) { return iequals(t, token); });
}

}  // namespace detail

std::string_view HttpRequest::header(std::string_view name) const {
  for (const HttpHeader& h : headers)
    if (detail::iequals(h.name, name)) return h.value;
  return {};
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const HttpHeader& h : headers)
    if (detail::iequals(h.name, name)) return true;
  return false;
}

std::vector<std::string_view> UpgradeRequest::subprotocols() const {
  std::vector<std::string_view> out;
  detail::any_token(*this, "sec-websocket-protocol", [&](std::string_view t) {
    out.push_back(t);
    return false;
  });
  return out;
}

bool UpgradeRequest::offers_subprotocol(std::string_view name) const {
  return detail::any_token(*this, "sec-websocket-protocol", [&](std::string_view t) { return t == name; });
}

}  // namespace sluice
