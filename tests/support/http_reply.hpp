// HTTP heads as raw bytes: a server's reply parsed so a test can check its status line, each
// header and the body, and the header lines of any head (a request a client sent included).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice_test {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The header lines after the first line of `head`, up to a blank line or the end; values are
// trimmed of spaces. nullopt when a header line has no colon.
std::optional<HttpHeaders> parse_header_lines(std::string_view head);
// First value of header `name`, matched case-insensitively; nullopt when absent.
std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name);

struct HttpReply {
  int status = 0;
  std::string status_line;
  HttpHeaders headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// Parses a reply head ("HTTP/1.1 NNN Reason", header lines); the body is left empty.
std::optional<HttpReply> parse_http_reply(std::string_view head);

}  // namespace sluice_test
