#include "net/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace sluice::detail {
namespace {

[[noreturn]] void refuse(const std::string& file, const std::string& why) {
  throw std::runtime_error("TLS: " + file + ": " + why);
}

std::string read_file(const std::string& path, const char* what) {
  if (path.empty()) throw std::runtime_error(std::string("TLS: no ") + what + " file given");
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, std::string("cannot read the ") + what + ": " + std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string utc_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "(unreadable date)";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

// A certificate that cannot be used now is refused at load, not at the first handshake.
void check_validity(X509* cert, const std::string& file) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
    refuse(file, "the certificate expired on " + utc_text(X509_get0_notAfter(cert)));
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0)
    refuse(file, "the certificate is not valid before " + utc_text(X509_get0_notBefore(cert)));
}

struct Passphrase {
  std::string text;
  bool given = false;
  bool asked = false;
};

int give_passphrase(char* buf, int size, int, void* arg) {
  auto* p = static_cast<Passphrase*>(arg);
  p->asked = true;
  if (!p->given || p->text.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, p->text.data(), p->text.size());
  return static_cast<int>(p->text.size());
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::unique_ptr<EVP_PKEY, PkeyFree> load_key(const TlsCertificate& c) {
  const std::string pem = read_file(c.key_file, "private key");
  Passphrase pass;
  if (!c.key_passphrase_file.empty()) {
    std::string text = read_file(c.key_passphrase_file, "passphrase");
    pass.text = text.substr(0, text.find_first_of("\r\n"));
    pass.given = true;
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ERR_clear_error();
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, give_passphrase, &pass));
  OPENSSL_cleanse(pass.text.data(), pass.text.size());
  if (key) return key;
  const std::string why = take_tls_error();
  if (pass.asked && !pass.given) refuse(c.key_file, "the key is encrypted and no passphrase file is given");
  if (pass.asked)
    refuse(c.key_file, "cannot decrypt the key with the passphrase in " + c.key_passphrase_file);
  refuse(c.key_file, "not a PEM private key (" + why + ")");
}

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kAlpnHttp11, sizeof kAlpnHttp11, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301 §3.2: no protocol in common
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::shared_ptr<const TlsServerContext> TlsServerContext::load(const ServerTlsOptions& options) {
  if (options.certificates.empty()) throw std::runtime_error("TLS: no certificate given");
  std::shared_ptr<TlsServerContext> self(new TlsServerContext);
  self->kernel_tls_ = options.kernel_tls;
  for (const TlsCertificate& c : options.certificates) {
    Certificate entry{new_tls_context(true)};
    SSL_CTX* ctx = entry.ctx.get();
    read_file(c.cert_file, "certificate");  // a clear errno first, rather than OpenSSL's
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, c.cert_file.c_str()) != 1)
      refuse(c.cert_file, "not a PEM certificate chain (" + take_tls_error() + ")");
    entry.cert = SSL_CTX_get0_certificate(ctx);
    check_validity(entry.cert, c.cert_file);
    auto key = load_key(c);
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      refuse(c.key_file, "the key does not match the certificate in " + c.cert_file);
    }
    SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);
    SSL_CTX_set_num_tickets(ctx, 1);  // one stateless ticket: resumption without server state
    if (options.kernel_tls) SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
    self->certificates_.push_back(std::move(entry));
  }
  // The callback runs during a handshake of a connection that holds this context alive.
  SSL_CTX* first = self->certificates_.front().ctx.get();
  SSL_CTX_set_tlsext_servername_callback(first, on_server_name);
  SSL_CTX_set_tlsext_servername_arg(first, self.get());
  return self;
}

SslPtr TlsServerContext::new_session() const {
  SslPtr ssl(SSL_new(certificates_.front().ctx.get()));
  if (ssl) SSL_set_accept_state(ssl.get());
  return ssl;
}

const TlsServerContext::Certificate& TlsServerContext::pick(const char* server_name) const {
  if (server_name && certificates_.size() > 1) {
    for (const Certificate& c : certificates_)
      if (X509_check_host(c.cert, server_name, 0, 0, nullptr) == 1) return c;
  }
  return certificates_.front();
}

int TlsServerContext::on_server_name(SSL* ssl, int*, void* self) {
  const auto& ctx = *static_cast<const TlsServerContext*>(self);
  const Certificate& c = ctx.pick(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
  if (c.ctx.get() != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, c.ctx.get());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace sluice::detail

namespace sluice {

std::string check_tls(const ServerTlsOptions& options) {
  try {
    detail::TlsServerContext::load(options);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace sluice
