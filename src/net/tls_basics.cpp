#include "net/tls_basics.hpp"

#include <openssl/err.h>

#include "net/tls_handoff.hpp"

#include <stdexcept>

namespace sluice::detail {

SslCtxPtr new_tls_context(bool server) {
  OPENSSL_init_ssl(0, nullptr);
  SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  if (!ctx) throw std::runtime_error("TLS: cannot create a context: " + take_tls_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_clear_mode(ctx.get(), SSL_MODE_AUTO_RETRY);  // a non-blocking socket: never loop inside
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // Resumption uses stateless tickets only, so no session is kept per client.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  capture_traffic_secrets(ctx.get());  // for taking the records after a TLS 1.3 handshake
  return ctx;
}

std::string take_tls_error(const char* fallback) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  const char* reason = ERR_reason_error_string(e);
  if (reason) return reason;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

}  // namespace sluice::detail
