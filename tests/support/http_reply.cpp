// Parsing HTTP heads from raw bytes; see http_reply.hpp.
#include "http_reply.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sluice_test {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_spaces(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

}  // namespace

std::optional<HttpHeaders> parse_header_lines(std::string_view head) {
  HttpHeaders headers;
  std::size_t pos = head.find("\r\n");
  if (pos == std::string_view::npos) return headers;
  pos += 2;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    headers.emplace_back(line.substr(0, colon), trim_spaces(line.substr(colon + 1)));
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
  return headers;
}

std::optional<std::string> find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

std::optional<HttpReply> parse_http_reply(std::string_view head) {
  HttpReply reply;
  reply.status_line = std::string(head.substr(0, head.find("\r\n")));
  // "HTTP/1.1 NNN Reason"
  if (reply.status_line.size() < 12 || reply.status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  reply.status = std::atoi(reply.status_line.substr(9, 3).c_str());
  auto headers = parse_header_lines(head);
  if (!headers) return std::nullopt;
  reply.headers = std::move(*headers);
  return reply;
}

}  // namespace sluice_test
