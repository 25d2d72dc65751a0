// Loading a server's certificates: what starts, and what is refused with the file and the reason
// (sluice::check_tls, Server::listen, Server::reload_tls).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "support/server_thread.hpp"
#include "test_pki.hpp"

namespace sluice_tls_test {
namespace {

sluice::ServerTlsOptions with(const sluice::TlsCertificate& c) { return {{c}, false}; }

TEST(Certificates, AValidCertificateAndKeyLoad) {
  TestPki pki;
  pki.ca("ca");
  EXPECT_EQ(sluice::check_tls(with(pki.issue("server", "ca"))), "");
}

TEST(Certificates, AnExpiredCertificateIsRefusedNamingTheFile) {
  TestPki pki;
  pki.ca("ca");
  sluice::TlsCertificate c = pki.issue("old", "ca", {"localhost"}, -1);
  const std::string why = sluice::check_tls(with(c));
  EXPECT_NE(why.find(c.cert_file + ": the certificate expired on "), std::string::npos) << why;
  // The server does not start with it.
  sluice::ServerOptions o = sluice_test::test_options();
  o.tls = with(c);
  sluice::Server server(o, {});
  try {
    server.listen();
    ADD_FAILURE() << "listen() started with an expired certificate";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), why);
  }
}

TEST(Certificates, AKeyOfAnotherCertificateIsRefused) {
  TestPki pki;
  pki.ca("ca");
  sluice::TlsCertificate a = pki.issue("a", "ca");
  sluice::TlsCertificate b = pki.issue("b", "ca");
  a.key_file = b.key_file;
  EXPECT_EQ(sluice::check_tls(with(a)),
            "TLS: " + b.key_file + ": the key does not match the certificate in " + a.cert_file);
}

TEST(Certificates, MissingAndMalformedFilesAreNamed) {
  TestPki pki;
  pki.ca("ca");
  sluice::TlsCertificate c = pki.issue("server", "ca");
  sluice::TlsCertificate missing = c;
  missing.cert_file = pki.path("nowhere.pem");
  EXPECT_EQ(sluice::check_tls(with(missing)),
            "TLS: " + missing.cert_file + ": cannot read the certificate: No such file or directory");
  sluice::TlsCertificate garbage = c;
  garbage.cert_file = pki.write("garbage.pem", "not a certificate\n");
  EXPECT_EQ(sluice::check_tls(with(garbage))
                .rfind("TLS: " + garbage.cert_file + ": not a PEM certificate chain", 0),
            0u);
  sluice::TlsCertificate no_key = c;
  no_key.key_file = pki.write("garbage.key", "not a key\n");
  EXPECT_EQ(sluice::check_tls(with(no_key)).rfind("TLS: " + no_key.key_file + ": not a PEM private key", 0),
            0u);
  EXPECT_EQ(sluice::check_tls({}), "TLS: no certificate given");
}

TEST(Certificates, AnEncryptedKeyOpensWithItsPassphraseFileOnly) {
  TestPki pki;
  pki.ca("ca");
  sluice::TlsCertificate c = pki.issue("locked", "ca", {"localhost"}, 30, "open sesame");
  EXPECT_EQ(sluice::check_tls(with(c)),
            "TLS: " + c.key_file + ": the key is encrypted and no passphrase file is given");
  c.key_passphrase_file = pki.write("wrong", "guess\n");
  EXPECT_EQ(
      sluice::check_tls(with(c)),
      "TLS: " + c.key_file + ": cannot decrypt the key with the passphrase in " + c.key_passphrase_file);
  c.key_passphrase_file = pki.write("right", "open sesame\r\n");  // the first line, without its end
  EXPECT_EQ(sluice::check_tls(with(c)), "");
}

TEST(Certificates, AReloadThatCannotLoadKeepsTheRunningCertificates) {
  TestPki pki;
  pki.ca("ca");
  sluice::ServerOptions o = sluice_test::test_options();
  o.tls = with(pki.issue("server", "ca"));
  sluice_test::ServerThread server(o, {});
  sluice::ServerTlsOptions bad = with(pki.issue("old", "ca", {"localhost"}, -1));
  EXPECT_THROW(server.server().reload_tls(bad), std::runtime_error);
  EXPECT_NO_THROW(server.server().reload_tls());  // the files it runs with load again
  sluice::ServerTlsOptions ktls = o.tls;
  ktls.kernel_tls = true;
  EXPECT_THROW(server.server().reload_tls(ktls), std::runtime_error);

  sluice_test::ServerThread plain(sluice_test::test_options(), {});
  EXPECT_THROW(plain.server().reload_tls(o.tls), std::runtime_error);  // a plain server stays plain
}

}  // namespace
}  // namespace sluice_tls_test
