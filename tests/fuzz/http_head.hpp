// The checks the HTTP fuzz targets (request and response) make on every head RequestParser
// completes, and an owning snapshot of it: the parser's views die with its input, and two runs
// over the same bytes are compared by value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_support.hpp"
#include "http/request_parser.hpp"

namespace sluice::fuzz {

struct Head {
  std::string method, target, path, query;
  int minor_version = -1;
  int status = -1;
  std::vector<std::pair<std::string, std::string>> headers;
  bool operator==(const Head&) const = default;
};

inline bool is_tchar(unsigned char c) {  // RFC 9110 §5.6.2
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos);
}

inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// What any complete head must be, whatever bytes made it: reading every view also lets ASan
// check that each still points into live memory.
inline Head check_head(const detail::RequestHead& head, std::size_t max_headers, detail::HeadKind kind) {
  const HttpRequest& r = head.request;
  Head h;
  h.method = r.method;
  h.target = r.target;
  h.path = r.path;
  h.query = r.query;
  h.minor_version = head.minor_version;
  h.status = head.status;
  FUZZ_CHECK(h.minor_version >= 0 && h.minor_version <= 9);
  if (kind == detail::HeadKind::request) {
    FUZZ_CHECK(is_token(h.method));
    FUZZ_CHECK(!h.target.empty() && h.target.front() == '/');
    for (unsigned char c : h.target) FUZZ_CHECK(c > 0x20 && c < 0x7F);
    FUZZ_CHECK(h.path.find('?') == std::string::npos);
    if (h.path.size() == h.target.size()) {
      FUZZ_CHECK(h.path == h.target && h.query.empty());
    } else {
      FUZZ_CHECK(h.target == h.path + "?" + h.query);
    }
  } else {
    FUZZ_CHECK(h.status >= 0 && h.status <= 999);
    FUZZ_CHECK(h.method.empty() && h.target.empty() && h.path.empty() && h.query.empty());
  }
  FUZZ_CHECK(r.headers.size() <= max_headers);
  for (const HttpHeader& field : r.headers) {
    FUZZ_CHECK(is_token(field.name));
    for (unsigned char c : field.value) FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7F));
    if (!field.value.empty()) {
      for (char edge : {field.value.front(), field.value.back()}) FUZZ_CHECK(edge != ' ' && edge != '\t');
    }
    FUZZ_CHECK(r.has_header(field.name));
    h.headers.emplace_back(field.name, field.value);
  }
  return h;
}

// Where a complete head must end: just past the first CRLF CRLF of the stream.
inline void check_head_end(std::span<const std::uint8_t> stream, std::size_t head_size) {
  FUZZ_CHECK(head_size >= 4);
  FUZZ_CHECK(chars(stream).find("\r\n\r\n") == head_size - 4);
}

}  // namespace sluice::fuzz
