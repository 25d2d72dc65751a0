#include "http/handshake.hpp"

// The one-shot SHA1() of OpenSSL 3 goes through EVP and its providers, which costs every
// process hundreds of KiB of relocated data; the low-level calls link only SHA-1 itself.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "http/tokens.hpp"

namespace sluice::detail {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// The key must be base64 of exactly 16 bytes (§4.1, step 7): 22 alphabet characters, the last
// of which carries only two data bits, then "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    bool alpha =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alpha) return false;
  }
  unsigned char out[24];
  return EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}

int count_headers(const HttpRequest& req, std::string_view name) {
  int n = 0;
  for (const HttpHeader& h : req.headers) n += iequals(h.name, name) ? 1 : 0;
  return n;
}

}  // namespace

bool wants_websocket(const HttpRequest& req) { return has_token(req, "upgrade", "websocket"); }

HandshakeCheck check_upgrade(const RequestHead& head) {
  auto fail = [](int status, const char* reason) { return HandshakeCheck{status, reason, {}}; };
  const HttpRequest& req = head.request;
  if (req.method != "GET") return fail(400, "WebSocket upgrade must use GET");
  if (head.minor_version < 1) return fail(400, "WebSocket upgrade needs HTTP/1.1");
  if (count_headers(req, "host") != 1) return fail(400, "missing or repeated Host header");
  if (!has_token(req, "connection", "upgrade")) return fail(400, "Connection header lacks 'Upgrade'");
  if (count_headers(req, "sec-websocket-version") == 0) return fail(426, "missing Sec-WebSocket-Version");
  if (count_headers(req, "sec-websocket-version") != 1 || req.header("sec-websocket-version") != "13")
    return fail(426, "unsupported Sec-WebSocket-Version");
  if (count_headers(req, "sec-websocket-key") != 1) return fail(400, "missing or repeated Sec-WebSocket-Key");
  std::string_view key = req.header("sec-websocket-key");
  if (!valid_key(key)) return fail(400, "Sec-WebSocket-Key is not base64 of 16 bytes");
  return {0, "", key};
}

std::string accept_key(std::string_view key) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  std::string input;
  input.reserve(key.size() + kGuid.size());
  input.append(key).append(kGuid);
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, input.data(), input.size());
  SHA1_Final(digest, &ctx);
  char out[32];
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), digest, SHA_DIGEST_LENGTH);
  return std::string(out, static_cast<std::size_t>(n));
}

}  // namespace sluice::detail
