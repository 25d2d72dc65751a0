#include "http/request_parser.hpp"

#include <cstring>
#include <string_view>

namespace sluice::detail {
namespace {

constexpr std::string_view kEnd = "\r\n\r\n";

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool is_field_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

// Splits off one CRLF-terminated line; false on a bare CR or LF (strict framing).
bool take_line(std::string_view& rest, std::string_view& line) {
  auto crlf = rest.find("\r\n");
  if (crlf == std::string_view::npos) return false;
  line = rest.substr(0, crlf);
  rest.remove_prefix(crlf + 2);
  return line.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

RequestParser::Result RequestParser::feed(std::span<const std::uint8_t> chunk) {
  std::string_view data(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  if (buffer_.empty()) {
    auto end = data.find(kEnd);
    if (end != std::string_view::npos) {
      if (end + kEnd.size() > max_bytes_) return {Status::error, 0, 431, "request head too large"};
      return parse(data.substr(0, end + kEnd.size()), end + kEnd.size());
    }
    if (data.size() >= max_bytes_) return {Status::error, 0, 431, "request head too large"};
    buffer_.assign(data);
    return {Status::need_more};
  }
  // The terminator may straddle the previous chunk: search from up to 3 bytes before it.
  std::size_t old = buffer_.size();
  std::size_t room = max_bytes_ - old;
  buffer_.append(data.substr(0, room));
  auto end = std::string_view(buffer_).find(kEnd, old >= 3 ? old - 3 : 0);
  if (end == std::string_view::npos) {
    if (buffer_.size() >= max_bytes_) return {Status::error, 0, 431, "request head too large"};
    return {Status::need_more};
  }
  std::size_t head_len = end + kEnd.size();
  return parse(std::string_view(buffer_).substr(0, head_len), head_len - old);
}

namespace {
bool valid_version(std::string_view v) {
  return v.size() == 8 && v.substr(0, 7) == "HTTP/1." && v[7] >= '0' && v[7] <= '9';
}
}  // namespace

RequestParser::Result RequestParser::parse_request_line(std::string_view line) {
  auto bad = [](const char* why) { return Result{Status::error, 0, 400, why}; };
  // request-line = method SP request-target SP HTTP-version
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return bad("malformed request line");
  std::string_view method = line.substr(0, sp1);
  for (unsigned char c : method)
    if (!is_tchar(c)) return bad("invalid method");
  std::string_view after = line.substr(sp1 + 1);
  auto sp2 = after.find(' ');
  if (sp2 == std::string_view::npos || sp2 == 0) return bad("malformed request line");
  std::string_view target = after.substr(0, sp2);
  std::string_view version = after.substr(sp2 + 1);
  if (target.front() != '/') return bad("request target must be an absolute path");
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7F) return bad("invalid character in request target");
  if (!valid_version(version)) return bad("unsupported HTTP version");

  HttpRequest& r = head_.request;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  head_.minor_version = version[7] - '0';
  return {Status::complete};
}

RequestParser::Result RequestParser::parse_status_line(std::string_view line) {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  auto bad = [] { return Result{Status::error, 0, 400, "malformed status line"}; };
  if (line.size() < 12 || !valid_version(line.substr(0, 8)) || line[8] != ' ' || line[12] != ' ')
    return bad();
  int status = 0;
  for (char c : line.substr(9, 3)) {
    if (c < '0' || c > '9') return bad();
    status = status * 10 + (c - '0');
  }
  head_.request = {};
  head_.status = status;
  head_.minor_version = line[7] - '0';
  return {Status::complete};
}

RequestParser::Result RequestParser::parse(std::string_view head, std::size_t consumed) {
  auto bad = [](const char* why) { return Result{Status::error, 0, 400, why}; };
  std::string_view rest = head, line;
  if (!take_line(rest, line)) return bad("malformed first line");
  Result first = kind_ == HeadKind::request ? parse_request_line(line) : parse_status_line(line);
  if (first.status == Status::error) return first;

  headers_.clear();
  for (;;) {
    if (!take_line(rest, line)) return bad("malformed header line");
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return bad("obsolete header line folding");
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad("header line without a name");
    std::string_view name = line.substr(0, colon);
    for (unsigned char c : name)
      if (!is_tchar(c)) return bad("invalid character in header name");
    std::string_view value = line.substr(colon + 1);
    for (unsigned char c : value)
      if (!is_field_char(c)) return bad("invalid character in header value");
    if (headers_.size() == max_headers_) return {Status::error, 0, 431, "too many headers"};
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    headers_.push_back({name, value});
  }
  head_.request.headers = headers_;
  return {Status::complete, consumed};
}

}  // namespace sluice::detail
