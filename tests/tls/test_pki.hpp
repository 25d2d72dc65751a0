// TestPki: certificate authorities and server certificates for the TLS tests, in a temporary
// directory removed with the object. They are made by tests/tls/pki.py (the `openssl` command),
// the same code the Python and Node checks use.
#pragma once

#include <string>
#include <vector>

#include "sluice/tls.hpp"

namespace sluice_tls_test {

class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A self-signed CA; returns its certificate file.
  std::string ca(const std::string& name);
  // A server certificate NAME.pem with key NAME.key for `names` (DNS names or IP addresses),
  // signed by CA `ca`, valid for `days` (negative: expired), its key encrypted when `passphrase`
  // is given.
  sluice::TlsCertificate issue(const std::string& name, const std::string& ca,
                               const std::vector<std::string>& names = {"localhost", "127.0.0.1"},
                               int days = 30, const std::string& passphrase = "");
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  // Writes `text` to the file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  void python(const std::string& code);
  std::string dir_;
};

}  // namespace sluice_tls_test
