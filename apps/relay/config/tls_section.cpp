// [server]'s TLS keys: tls_cert and tls_key (and tls_key_passphrase_file) name the default
// certificate, tls_sni more of them as inline tables, kernel_tls the kernel's offload. Paths are
// taken relative to the file's directory; the certificates are loaded here as the server would
// load them, so an expired certificate or a key that does not fit fails the load at its key.
#include <filesystem>

#include "config/sections.hpp"

namespace sluice::relay::detail {
namespace {

std::string resolved(const std::string& written, const std::filesystem::path& base_dir) {
  std::filesystem::path path(written);
  return (path.is_relative() ? base_dir / path : path).lexically_normal().string();
}

// One certificate from `r`'s keys `cert`, `key` and `pass` (both given, or neither).
bool read_certificate(const TableReader& r, const std::filesystem::path& base_dir, std::string_view cert,
                      std::string_view key, std::string_view pass, TlsCertificate& out) {
  if (!r.has(cert) && !r.has(key)) {
    if (r.has(pass))
      r.fail(pass, std::string(pass) + " needs " + std::string(cert) + " and " + std::string(key));
    return false;
  }
  if (!r.has(cert)) r.fail(key, std::string(key) + " needs " + std::string(cert));
  if (!r.has(key)) r.fail(cert, std::string(cert) + " needs " + std::string(key));
  r.read_string(cert, out.cert_file);
  r.read_string(key, out.key_file);
  r.read_string(pass, out.key_passphrase_file);
  out.cert_file = resolved(out.cert_file, base_dir);
  out.key_file = resolved(out.key_file, base_dir);
  if (!out.key_passphrase_file.empty()) out.key_passphrase_file = resolved(out.key_passphrase_file, base_dir);
  return true;
}

void read_sni(const TableReader& r, const std::filesystem::path& base_dir, ServerTlsOptions& out) {
  const toml::node* node = r.find("tls_sni");
  if (node == nullptr) return;
  if (out.certificates.empty())
    r.fail("tls_sni", "tls_sni needs tls_cert and tls_key (the default certificate)");
  const toml::array* entries = node->as_array();
  if (entries == nullptr) r.fail("tls_sni", "expected an array of tables, got " + type_name(*node));
  std::size_t n = 0;
  for (const toml::node& entry : *entries) {
    ++n;
    const toml::table* table = entry.as_table();
    if (table == nullptr)
      r.fail(entry, "tls_sni", "expected a table { cert = ..., key = ... }, got " + type_name(entry));
    const TableReader e(r.file(), *table, "server.tls_sni[" + std::to_string(n) + "]", "in server.tls_sni");
    e.check_keys(tls_sni_keys());
    TlsCertificate c;
    if (!read_certificate(e, base_dir, "cert", "key", "key_passphrase_file", c))
      e.fail_table("a tls_sni entry needs cert and key");
    out.certificates.push_back(std::move(c));
  }
}

}  // namespace

void read_tls(const TableReader& r, const std::filesystem::path& base_dir, ServerTlsOptions& out) {
  TlsCertificate first;
  if (read_certificate(r, base_dir, "tls_cert", "tls_key", "tls_key_passphrase_file", first))
    out.certificates.push_back(std::move(first));
  read_sni(r, base_dir, out);
  r.read_bool("kernel_tls", out.kernel_tls);
  if (out.kernel_tls && out.certificates.empty())
    r.fail("kernel_tls", "kernel_tls needs tls_cert and tls_key");
  if (out.certificates.empty()) return;
  const std::string problem = check_tls(out);
  if (problem.empty()) return;
  // The message names the file: it is reported at tls_cert when it is about the default
  // certificate, else at tls_sni.
  const TlsCertificate& c = out.certificates.front();
  const bool about_default =
      problem.find(c.cert_file) != std::string::npos || problem.find(c.key_file) != std::string::npos ||
      (!c.key_passphrase_file.empty() && problem.find(c.key_passphrase_file) != std::string::npos);
  r.fail(about_default || !r.has("tls_sni") ? "tls_cert" : "tls_sni", problem);
}

}  // namespace sluice::relay::detail
