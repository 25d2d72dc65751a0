// RequestReader: the server's side of HTTP before (or instead of) an upgrade. It reads one
// request, head and body, out of the bytes a connection receives, and says what it is: an
// upgrade to hand to the handshake, a plain request with its whole body for a route, or an
// error with the status to answer. Pure: bytes in, results out; the connection acts on them.
//
// A request that arrives in one read is served from that read without a copy. Only a body that
// spans reads is gathered, together with a copy of its head, into one block charged to the
// memory account first, so a peer can make the server hold at most max_body_bytes per request
// and only within the process budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "http/request_parser.hpp"
#include "mem/memory_account.hpp"
#include "sluice/http.hpp"

namespace sluice::detail {

struct RequestLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = 1024 * 1024;
};

class RequestReader final {
 public:
  enum class Kind : std::uint8_t { need_more, upgrade, request, error };
  struct Result {
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;    // bytes of this chunk that belonged to the request
    bool send_continue = false;  // need_more: the client waits for "100 Continue" (sent once)
    int http_status = 0;         // error: the status to answer
    const char* reason = "";     // error: for the log line and the response body
  };

  RequestReader(RequestLimits limits, mem::MemoryAccount& account);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // The peer's address, handed to every request as remote_address (copied).
  void set_remote_address(std::string_view address);
  Result feed(std::span<const std::uint8_t> chunk);
  // After `upgrade`: the parsed head, views into the parser's input.
  const RequestHead& head() const { return parser_->head(); }
  // After `request`: the request with its body (views valid until reset() or destruction).
  const HttpRequest& request() const;
  // Whether the client wants the connection kept open after this request's response.
  bool keep_alive() const;
  // Ready for the next request on the same connection.
  void reset();
  std::uint32_t requests_served() const { return served_; }  // resets so far

 private:
  struct Gathered;  // a head copied out of the read buffer, and its body as it arrives
  Result on_head(std::span<const std::uint8_t> chunk, std::size_t head_bytes);
  Result gather(std::span<const std::uint8_t> chunk);
  void release();

  RequestLimits limits_;
  mem::MemoryAccount& account_;
  std::optional<RequestParser> parser_;
  std::unique_ptr<Gathered> gathered_;
  char address_[48] = {};
  std::uint8_t address_size_ = 0;
  std::uint32_t served_ = 0;
  bool keep_alive_ = false;
  bool continue_sent_ = false;
};

// The body length a request declares: Content-Length, or 0 without one. Errors: a
// Transfer-Encoding (411: only Content-Length framing is accepted), a malformed or conflicting
// Content-Length (400).
struct BodyLength {
  std::size_t bytes = 0;
  int error_status = 0;
  const char* reason = "";
};
BodyLength declared_body_length(const HttpRequest& req);

}  // namespace sluice::detail
