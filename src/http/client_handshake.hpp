// The client's half of the opening handshake (RFC 6455 §4.1): the request it sends, and the
// checks on the server's response.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_parser.hpp"
#include "ws/deflate_offer.hpp"

namespace sluice::detail {

struct ClientRequest {
  std::string host_header;  // host[:port] as the Host header carries it
  std::string target;       // path and query
  std::string origin;
  std::vector<std::string> subprotocols;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A client connection's handshake in progress: what it sends once connected, and the parser
// and checks for the answer.
struct ClientHandshake {
  struct Step {
    enum class Kind : std::uint8_t { need_more, upgraded, failed };
    Kind kind = Kind::need_more;
    std::size_t consumed = 0;              // upgraded: bytes of the chunk that belonged to the response
    std::string why;                       // failed: one line for on_error
    std::optional<DeflateParams> deflate;  // upgraded: permessage-deflate, as the server agreed
  };

  ClientHandshake(std::string request, std::string key, std::vector<std::string> offered,
                  std::size_t max_bytes, std::size_t max_headers)
      : request(std::move(request)),
        key(std::move(key)),
        offered(std::move(offered)),
        response(max_bytes, max_headers, HeadKind::response) {}
  std::string request;
  std::string key;
  std::vector<std::string> offered;
  Compression deflate = Compression::off;  // what was offered
  RequestParser response;

  // Feeds the server's bytes; once the response is whole, checks it (RFC 6455 §4.1).
  Step feed(std::span<const std::uint8_t> chunk);
};

// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
std::string make_client_key();
std::string format_client_request(const ClientRequest& req, std::string_view key);

// Empty when the response completes the handshake; otherwise why it does not. On success
// `subprotocol` is the one the server chose (empty for none), and `deflate` what it agreed of the
// permessage-deflate offer made in mode `offered_deflate`, if it took it.
std::string check_server_response(const RequestHead& head, std::string_view key,
                                  const std::vector<std::string>& offered, std::string& subprotocol,
                                  Compression offered_deflate, std::optional<DeflateParams>& deflate);

}  // namespace sluice::detail
