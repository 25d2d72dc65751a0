// RequestParser: an incremental, strict HTTP/1.1 head parser (RFC 9112 §2-§5) for the opening
// handshake: the request on the server side, the response on the client side. Pure: bytes in,
// a result out. A head that arrives in one read is parsed in place; only a head split across
// reads is copied, into a buffer capped at max_bytes. Each byte is checked as it arrives, so
// input that can never become a valid head (bare LF or CR, a first byte that starts no method,
// a TLS ClientHello, a bad request line) is refused at once, not at the handshake timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sluice/http.hpp"

namespace sluice::detail {

struct RequestHead {
  HttpRequest request;  // views into the parser's input; valid until the next feed
  int minor_version = 1;
  int status = 0;  // a response's status code (method and target are then empty)
};

enum class HeadKind : std::uint8_t { request, response };

class RequestParser {
 public:
  enum class Status : std::uint8_t { need_more, complete, error };
  struct Result {
    Status status;
    std::size_t consumed = 0;  // on complete: bytes of this chunk that belonged to the head
    int http_status = 0;       // on error: 400, 431 or 505
    const char* reason = "";   // on error: for the log line
  };

  RequestParser(std::size_t max_bytes, std::size_t max_headers, HeadKind kind = HeadKind::request)
      : max_bytes_(max_bytes), max_headers_(max_headers), kind_(kind) {}

  // After complete or error the parser is done: feeding it again is a bug.
  Result feed(std::span<const std::uint8_t> chunk);
  const RequestHead& head() const { return head_; }
  RequestHead& head() { return head_; }  // for a reader that fills in the body and peer
  bool buffering() const { return !buffer_.empty(); }

 private:
  // What the next byte of the head may be: the scan is one state per byte, so it gives the same
  // answer wherever the input is split.
  enum class Scan : std::uint8_t { first_byte, in_line, cr, line_start, blank_cr };

  Result scan(std::string_view all);
  Result parse(std::string_view head, std::size_t consumed);
  Result parse_first_line(std::string_view line);
  Result parse_request_line(std::string_view line);
  Result parse_status_line(std::string_view line);

  std::size_t max_bytes_;
  std::size_t max_headers_;
  HeadKind kind_;
  Scan scan_ = Scan::first_byte;
  bool first_line_done_ = false;
  std::size_t scanned_ = 0;  // bytes of the head checked so far
  std::string buffer_;
  std::vector<HttpHeader> headers_;
  RequestHead head_;
};

}  // namespace sluice::detail
