// RequestParser: an incremental, strict HTTP/1.1 head parser (RFC 9112 §2-§5) for the opening
// handshake: the request on the server side, the response on the client side. Pure: bytes in,
// a result out. A head that arrives in one read is parsed in
// place; only a head split across reads is copied, into a buffer capped at max_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sluice/http.hpp"

namespace sluice::detail {

struct RequestHead {
  HttpRequest request;  // views into the parser's input; valid until the next feed or reset
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
    int http_status = 0;       // on error: 400 or 431
    const char* reason = "";   // on error: for the log line
  };

  RequestParser(std::size_t max_bytes, std::size_t max_headers, HeadKind kind = HeadKind::request)
      : max_bytes_(max_bytes), max_headers_(max_headers), kind_(kind) {}

  Result feed(std::span<const std::uint8_t> chunk);
  const RequestHead& head() const { return head_; }
  bool buffering() const { return !buffer_.empty(); }

 private:
  Result parse(std::string_view head, std::size_t consumed);
  Result parse_request_line(std::string_view line);
  Result parse_status_line(std::string_view line);

  std::size_t max_bytes_;
  std::size_t max_headers_;
  HeadKind kind_;
  std::string buffer_;
  std::vector<HttpHeader> headers_;
  RequestHead head_;
};

}  // namespace sluice::detail
