#include "net/tls_handoff.hpp"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string_view>

namespace sluice::detail {
namespace {

int handoff_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

TlsHandoff* handoff_of(const SSL* ssl) {
  return static_cast<TlsHandoff*>(SSL_get_ex_data(ssl, handoff_index()));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "LABEL <client random> <secret>", both in hex (the NSS key log format OpenSSL writes).
void keep_secret(TlsHandoff::Secret& into, std::string_view hex) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > TlsHandoff::kMaxSecret) return;
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return;
    into.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  into.size = static_cast<std::uint8_t>(hex.size() / 2);
}

void on_key_log_line(const SSL* ssl, const char* text) {
  TlsHandoff* h = handoff_of(ssl);
  if (!h) return;
  std::string_view line(text);
  const std::size_t label_end = line.find(' ');
  const std::size_t secret_at = line.rfind(' ');
  if (label_end == std::string_view::npos || secret_at == label_end) return;
  const std::string_view label = line.substr(0, label_end);
  const std::string_view secret = line.substr(secret_at + 1);
  if (label == "CLIENT_TRAFFIC_SECRET_0") keep_secret(h->client, secret);
  if (label == "SERVER_TRAFFIC_SECRET_0") keep_secret(h->server, secret);
}

void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*, void* arg) {
  auto* h = static_cast<TlsHandoff*>(arg);
  if (!h) return;
  const auto* bytes = static_cast<const std::uint8_t*>(buf);
  if (content_type == SSL3_RT_HEADER) {
    if (write_p && h->own_finished_written) ++h->written_after_finished;
    if (!write_p && h->peer_finished_read) ++h->read_after_finished;
    return;
  }
  // A handshake message is reported after the record that carried it.
  if (content_type != SSL3_RT_HANDSHAKE || len == 0 || bytes[0] != SSL3_MT_FINISHED) return;
  if (write_p) {
    h->own_finished_written = true;
  } else {
    h->peer_finished_read = true;
  }
}

}  // namespace

TlsHandoff::~TlsHandoff() {
  OPENSSL_cleanse(client.bytes.data(), client.bytes.size());
  OPENSSL_cleanse(server.bytes.data(), server.bytes.size());
}

void capture_traffic_secrets(SSL_CTX* ctx) { SSL_CTX_set_keylog_callback(ctx, on_key_log_line); }

void attach_handoff(SSL* ssl, TlsHandoff* handoff) {
  SSL_set_ex_data(ssl, handoff_index(), handoff);
  SSL_set_msg_callback(ssl, handoff ? on_message : nullptr);
  SSL_set_msg_callback_arg(ssl, handoff);
}

}  // namespace sluice::detail
