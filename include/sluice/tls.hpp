// TLS settings (wss://, and https for a server's routes), with OpenSSL: TLS 1.2 and 1.3 only,
// ALPN http/1.1. A server names its certificates here (ServerOptions::tls); a client says whom it
// trusts (ClientOptions::tls). Files are PEM; each is read when the server starts (or reloads its
// certificates) or when the client is made, and a problem is reported then, naming the file.
// OpenSSL makes every handshake; after a TLS 1.3 one (AES-GCM or ChaCha20-Poly1305) sluice keeps
// the records itself and frees OpenSSL's session, so an idle secure connection holds about 3 KiB.
#pragma once

#include <string>
#include <vector>

namespace sluice {

// One certificate a server presents, with its private key.
struct TlsCertificate {
  std::string cert_file;  // the certificate, then the intermediates of its chain
  std::string key_file;   // its private key, encrypted or not
  // For an encrypted key: a file whose first line is the passphrase. Empty: the key is not
  // encrypted.
  std::string key_passphrase_file;
};

struct ServerTlsOptions {
  // Empty: plain TCP (ws://). Otherwise every connection speaks TLS. The first certificate is the
  // default; with several, a client's server name (SNI) picks the first whose names match it
  // (subjectAltName DNS entries, wildcards as RFC 6125 allows), else the default. A certificate
  // that is expired or not yet valid, a key that does not match its certificate, or a file that
  // cannot be read stops the server from starting (or a reload from taking effect).
  std::vector<TlsCertificate> certificates;
  // Kernel TLS (SSL_OP_ENABLE_KTLS): after the handshake, the kernel encrypts and decrypts where
  // it and OpenSSL support the negotiated cipher; elsewhere user space does, as without it. While a
  // server with kernel TLS runs, SIGPIPE is blocked on its threads (OpenSSL then writes to the
  // socket itself, without MSG_NOSIGNAL).
  bool kernel_tls = false;

  bool enabled() const { return !certificates.empty(); }
};

// Loads `options`' certificates as a server starting with them would: empty when it could, else
// the one line it would fail with, naming the file (for checking a configuration up front).
std::string check_tls(const ServerTlsOptions& options);

struct ClientTlsOptions {
  // The certificate authorities a wss:// server's certificate must chain to: a PEM file of one or
  // more certificates. Empty: the system's store (OpenSSL's default paths).
  std::string ca_file;
  // The name checked against the server's certificate and sent as SNI. Empty: the URL's host.
  std::string server_name;
};

}  // namespace sluice
