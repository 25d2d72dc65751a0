#include "net/tls_client_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace sluice::detail {
namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char addr[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), addr) == 1 || ::inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

}  // namespace

TlsClientContext::TlsClientContext(const ClientTlsOptions& options)
    : ctx_(new_tls_context(false)), server_name_(options.server_name) {
  SSL_CTX* ctx = ctx_.get();
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11);
  ERR_clear_error();
  if (options.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
      throw std::runtime_error("TLS: cannot load the system's certificate store: " + take_tls_error());
    return;
  }
  if (!std::ifstream(options.ca_file))
    throw std::runtime_error("TLS: " + options.ca_file +
                             ": cannot read the CA file: " + std::strerror(errno));
  if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1)
    throw std::runtime_error("TLS: " + options.ca_file + ": no PEM certificate in the CA file (" +
                             take_tls_error() + ")");
}

SslPtr TlsClientContext::new_session(const std::string& host) const {
  SslPtr ssl(SSL_new(ctx_.get()));
  if (!ssl) return ssl;
  SSL_set_connect_state(ssl.get());
  const std::string& name = server_name_.empty() ? host : server_name_;
  bool ok = true;
  if (is_ip_literal(name)) {
    // An address is checked against the certificate's IP entries, and is never sent as SNI
    // (RFC 6066 §3).
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), name.c_str()) == 1;
  } else {
    ok =
        SSL_set1_host(ssl.get(), name.c_str()) == 1 && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    ssl.reset();
  }
  return ssl;
}

}  // namespace sluice::detail
