// TlsClientContext: whom a wss:// client trusts: the certificate authorities (a CA file, or the
// system's store), and what each of its connections checks and sends: the server's certificate
// verified against them and against the host name (or IP address) it connects to, that name sent
// as SNI, ALPN http/1.1 offered.
#pragma once

#include <string>

#include "net/tls_basics.hpp"
#include "sluice/tls.hpp"

namespace sluice::detail {

class TlsClientContext {
 public:
  // Throws std::runtime_error when the CA file cannot be loaded.
  explicit TlsClientContext(const ClientTlsOptions& options);

  // A client-side SSL for one connection to `host` (a name, or an IP literal checked against the
  // certificate's IP addresses), or null when OpenSSL cannot make one.
  SslPtr new_session(const std::string& host) const;

 private:
  SslCtxPtr ctx_;
  std::string server_name_;  // from the options; empty: the host connected to
};

}  // namespace sluice::detail
