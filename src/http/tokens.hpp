// Small helpers for HTTP header text: case-insensitive compare and comma-separated token lists.
#pragma once

#include <string_view>

#include "sluice/http.hpp"

namespace sluice::detail {

bool iequals(std::string_view a, std::string_view b);
std::string_view trim_ows(std::string_view s);
// Calls fn(token) for each non-empty element of every `name` header's comma-separated list;
// stops early when fn returns true and reports whether it did.
template <typename Fn>
bool any_token(const HttpRequest& req, std::string_view name, Fn&& fn) {
  for (const HttpHeader& h : req.headers) {
    if (!iequals(h.name, name)) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = trim_ows(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (!item.empty() && fn(item)) return true;
    }
  }
  return false;
}
bool has_token(const HttpRequest& req, std::string_view name, std::string_view token);

}  // namespace sluice::detail
