#include "http/client_handshake.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "http/handshake.hpp"
#include "http/tokens.hpp"
#include "ws/mask_keys.hpp"

namespace sluice::detail {

std::string make_client_key() {
  std::array<std::uint8_t, 16> nonce;
  random_bytes(nonce);
  char out[32];
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), nonce.data(), 16);
  return std::string(out, static_cast<std::size_t>(n));
}

std::string format_client_request(const ClientRequest& req, std::string_view key) {
  std::string out;
  out.reserve(256);
  out.append("GET ").append(req.target).append(" HTTP/1.1\r\nHost: ").append(req.host_header);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
  out.append("\r\nSec-WebSocket-Version: 13\r\n");
  if (!req.subprotocols.empty()) {
    out.append("Sec-WebSocket-Protocol: ");
    for (std::size_t i = 0; i < req.subprotocols.size(); ++i)
      out.append(i ? ", " : "").append(req.subprotocols[i]);
    out.append("\r\n");
  }
  if (!req.origin.empty()) out.append("Origin: ").append(req.origin).append("\r\n");
  for (const auto& [name, value] : req.headers) out.append(name).append(": ").append(value).append("\r\n");
  out.append("\r\n");
  return out;
}

std::string check_server_response(const RequestHead& head, std::string_view key,
                                  const std::vector<std::string>& offered, std::string& subprotocol,
                                  Compression offered_deflate, std::optional<DeflateParams>& deflate) {
  const HttpRequest& h = head.request;
  if (head.status != 101) return "the server answered " + std::to_string(head.status) + " instead of 101";
  if (!has_token(h, "upgrade", "websocket")) return "the 101 response lacks 'Upgrade: websocket'";
  if (!has_token(h, "connection", "upgrade")) return "the 101 response lacks 'Connection: Upgrade'";
  if (h.header("sec-websocket-accept") != accept_key(key))
    return "Sec-WebSocket-Accept does not match the key (" + std::string(h.header("sec-websocket-accept")) +
           ")";
  if (const std::string_view ext = h.header("sec-websocket-extensions"); !ext.empty()) {
    deflate = read_deflate_response(ext, offered_deflate);
    if (!deflate) return "the server selected an extension that was not offered: " + std::string(ext);
  }
  std::string_view chosen = h.header("sec-websocket-protocol");
  if (!chosen.empty() && std::find(offered.begin(), offered.end(), chosen) == offered.end())
    return "the server selected subprotocol '" + std::string(chosen) + "' that was not offered";
  subprotocol.assign(chosen);
  return {};
}

}  // namespace sluice::detail

namespace sluice::detail {

ClientHandshake::Step ClientHandshake::feed(std::span<const std::uint8_t> chunk) {
  using K = Step::Kind;
  RequestParser::Result r = response.feed(chunk);
  if (r.status == RequestParser::Status::need_more) return {};
  if (r.status == RequestParser::Status::error)
    return {K::failed, 0, std::string("malformed response: ") + r.reason, {}};
  std::string subprotocol;
  std::optional<DeflateParams> agreed;
  std::string why = check_server_response(response.head(), key, offered, subprotocol, deflate, agreed);
  if (!why.empty()) return {K::failed, 0, std::move(why), {}};
  return {K::upgraded, r.consumed, {}, agreed};
}

}  // namespace sluice::detail
