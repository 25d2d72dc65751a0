#include "test_pki.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sluice_tls_test {
namespace {

// A Python string literal of `text` (paths and names here hold no quotes or backslashes).
std::string py_string(const std::string& text) { return "'" + text + "'"; }

}  // namespace

TestPki::TestPki() {
  char templ[] = "/tmp/sluice-tls-test-XXXXXX";
  const char* made = ::mkdtemp(templ);
  if (!made) throw std::runtime_error("mkdtemp failed");
  dir_ = made;
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void TestPki::python(const std::string& code) {
  const std::string program = "import sys; sys.path.insert(0, " + py_string(SLUICE_TLS_TEST_DIR) +
                              "); from pki import Pki; p = Pki(" + py_string(dir_) + "); " + code;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(SLUICE_TLS_PYTHON, SLUICE_TLS_PYTHON, "-c", program.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("making test certificates failed: " + code);
}

std::string TestPki::ca(const std::string& name) {
  python("p.ca(" + py_string(name) + ")");
  return path(name + ".pem");
}

sluice::TlsCertificate TestPki::issue(const std::string& name, const std::string& ca,
                                      const std::vector<std::string>& names, int days,
                                      const std::string& passphrase) {
  std::string list;
  for (const std::string& n : names) list += py_string(n) + ",";
  python("p.issue(" + py_string(name) + ", " + py_string(ca) + ", names=(" + list + "), days=" +
         std::to_string(days) + (passphrase.empty() ? "" : ", passphrase=" + py_string(passphrase)) + ")");
  return {path(name + ".pem"), path(name + ".key"), ""};
}

std::string TestPki::write(const std::string& name, const std::string& text) const {
  std::ofstream(path(name), std::ios::binary) << text;
  return path(name);
}

}  // namespace sluice_tls_test
