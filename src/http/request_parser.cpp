#include "http/request_parser.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace sluice::detail {
namespace {

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool is_field_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The record type a TLS client's first byte carries (RFC 8446 §5.1: handshake, 22).
constexpr unsigned char kTlsHandshakeRecord = 0x16;

// Splits off one CRLF-terminated line; the scan has already refused a bare CR or LF.
bool take_line(std::string_view& rest, std::string_view& line) {
  auto crlf = rest.find("\r\n");
  if (crlf == std::string_view::npos) return false;
  line = rest.substr(0, crlf);
  rest.remove_prefix(crlf + 2);
  return true;
}

enum class Version : std::uint8_t { supported, unsupported, malformed };

// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3). Only 1.0 and 1.1
// are served: RFC 9110 §2.5 would have a later 1.x read as 1.1, but none exists, so a peer that
// claims one is refused with 505 rather than guessed at.
Version classify_version(std::string_view v, int& minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
    return Version::malformed;
  if (v[5] != '1' || v[7] > '1') return Version::unsupported;
  minor = v[7] - '0';
  return Version::supported;
}

RequestParser::Result bad_request(const char* why) { return {RequestParser::Status::error, 0, 400, why}; }

}  // namespace

RequestParser::Result RequestParser::feed(std::span<const std::uint8_t> chunk) {
  std::string_view data(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  const std::size_t old = buffer_.size();
  // Nothing buffered yet: the head is scanned and parsed in the caller's chunk.
  if (old != 0) buffer_.append(data.substr(0, max_bytes_ - old));
  std::string_view all = old == 0 ? data : std::string_view(buffer_);
  Result r = scan(all);
  if (r.status == Status::error) return r;
  if (r.status == Status::complete) return parse(all.substr(0, r.consumed), r.consumed - old);
  if (scanned_ >= max_bytes_) return {Status::error, 0, 431, "request head too large"};
  if (old == 0) buffer_.assign(data);
  return {Status::need_more};
}

// Checks the bytes of `all` not seen before, up to max_bytes. complete: the head ends at
// `consumed` bytes into `all`.
RequestParser::Result RequestParser::scan(std::string_view all) {
  const std::size_t end = std::min(all.size(), max_bytes_);
  for (std::size_t i = scanned_; i < end; ++i) {
    const auto c = static_cast<unsigned char>(all[i]);
    switch (scan_) {
      case Scan::first_byte:
        // A TLS client on the plain port would otherwise wait out the handshake timeout.
        if (c == kTlsHandshakeRecord)
          return bad_request("TLS handshake on a plain-text port (a wss:// client?)");
        if (!is_tchar(c))
          return bad_request(kind_ == HeadKind::request ? "not an HTTP request" : "not an HTTP response");
        scan_ = Scan::in_line;
        break;
      case Scan::in_line:
        if (c == '\r') scan_ = Scan::cr;
        if (c == '\n') return bad_request("bare LF line ending");
        break;
      case Scan::line_start:
        scan_ = c == '\r' ? Scan::blank_cr : Scan::in_line;
        if (c == '\n') return bad_request("bare LF line ending");
        break;
      case Scan::cr:
        if (c != '\n') return bad_request("bare CR");
        scan_ = Scan::line_start;
        // The first line alone can condemn the request; nothing after it would change that.
        if (!first_line_done_) {
          first_line_done_ = true;
          Result first = parse_first_line(all.substr(0, i - 1));
          if (first.status == Status::error) return first;
        }
        break;
      case Scan::blank_cr:
        if (c != '\n') return bad_request("bare CR");
        return {Status::complete, i + 1};
    }
  }
  scanned_ = end;
  return {Status::need_more};
}

RequestParser::Result RequestParser::parse_first_line(std::string_view line) {
  return kind_ == HeadKind::request ? parse_request_line(line) : parse_status_line(line);
}

RequestParser::Result RequestParser::parse_request_line(std::string_view line) {
  // request-line = method SP request-target SP HTTP-version
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return bad_request("malformed request line");
  std::string_view method = line.substr(0, sp1);
  for (unsigned char c : method)
    if (!is_tchar(c)) return bad_request("invalid method");
  std::string_view after = line.substr(sp1 + 1);
  auto sp2 = after.find(' ');
  if (sp2 == std::string_view::npos || sp2 == 0) return bad_request("malformed request line");
  std::string_view target = after.substr(0, sp2);
  std::string_view version = after.substr(sp2 + 1);
  if (target.front() != '/') return bad_request("request target must be an absolute path");
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7F) return bad_request("invalid character in request target");
  int minor = 0;
  switch (classify_version(version, minor)) {
    case Version::supported: break;
    case Version::unsupported: return {Status::error, 0, 505, "HTTP version not supported; use HTTP/1.1"};
    case Version::malformed: return bad_request("malformed HTTP version");
  }

  HttpRequest& r = head_.request;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  head_.minor_version = minor;
  return {Status::complete};
}

RequestParser::Result RequestParser::parse_status_line(std::string_view line) {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]; RFC 9112 §4 asks a client
  // to accept the line without its last SP too.
  auto bad = [] { return bad_request("malformed status line"); };
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) return bad();
  int minor = 0;
  switch (classify_version(line.substr(0, 8), minor)) {
    case Version::supported: break;
    case Version::unsupported: return {Status::error, 0, 505, "HTTP version other than 1.0 or 1.1"};
    case Version::malformed: return bad();
  }
  int status = 0;
  for (char c : line.substr(9, 3)) {
    if (!is_digit(c)) return bad();
    status = status * 10 + (c - '0');
  }
  for (unsigned char c : line.substr(std::min<std::size_t>(line.size(), 13)))
    if (!is_field_char(c)) return bad();
  head_.request = {};
  head_.status = status;
  head_.minor_version = minor;
  return {Status::complete};
}

RequestParser::Result RequestParser::parse(std::string_view head, std::size_t consumed) {
  std::string_view rest = head, line;
  if (!take_line(rest, line)) return bad_request("malformed first line");
  Result first = parse_first_line(line);
  if (first.status == Status::error) return first;

  headers_.clear();
  for (;;) {
    if (!take_line(rest, line)) return bad_request("malformed header line");
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') return bad_request("obsolete header line folding");
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad_request("header line without a name");
    std::string_view name = line.substr(0, colon);
    for (unsigned char c : name)
      if (!is_tchar(c)) return bad_request("invalid character in header name");
    std::string_view value = line.substr(colon + 1);
    for (unsigned char c : value)
      if (!is_field_char(c)) return bad_request("invalid character in header value");
    if (headers_.size() == max_headers_) return {Status::error, 0, 431, "too many headers"};
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    headers_.push_back({name, value});
  }
  head_.request.headers = headers_;
  return {Status::complete, consumed};
}

}  // namespace sluice::detail
