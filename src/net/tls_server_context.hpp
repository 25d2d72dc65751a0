// TlsServerContext: the certificates a TLS server presents, loaded once and shared by every
// connection accepted while it is current: one SSL_CTX per certificate (the first is the
// default), the server-name (SNI) callback that picks among them, and ALPN, which must agree on
// http/1.1 when the client offers it. Loading checks each file and refuses, with the file and
// the reason, a certificate that is expired or not yet valid or a key that does not match it.
// Immutable once loaded; a reload makes a new one, and connections keep the one they began with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "net/tls_basics.hpp"
#include "sluice/tls.hpp"

namespace sluice::detail {

class TlsServerContext {
 public:
  // Throws std::runtime_error naming the file and what is wrong with it.
  static std::shared_ptr<const TlsServerContext> load(const ServerTlsOptions& options);

  // A server-side SSL for one accepted connection, or null when OpenSSL cannot make one.
  SslPtr new_session() const;
  bool kernel_tls() const { return kernel_tls_; }

  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

 private:
  struct Certificate {
    SslCtxPtr ctx;
    X509* cert = nullptr;  // owned by ctx
  };
  TlsServerContext() = default;
  static int on_server_name(SSL* ssl, int* alert, void* self);
  const Certificate& pick(const char* server_name) const;

  std::vector<Certificate> certificates_;
  bool kernel_tls_ = false;
};

}  // namespace sluice::detail
