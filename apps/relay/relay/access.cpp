#include "relay/access.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace sluice::relay {

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view bearer_token(const HttpRequest& req) {
  std::string_view v = req.header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (v.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = v[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    char k = kScheme[i];
    if (k >= 'A' && k <= 'Z') k = static_cast<char>(k + 32);
    if (c != k) return {};
  }
  return v.substr(kScheme.size());
}

void Access::apply(const ServerConfig& server) {
  auto rules = std::make_shared<const AccessRules>(
      AccessRules{server.allowed_origins, server.api_key, server.http_publish_from});
  std::lock_guard<std::mutex> lock(mutex_);
  rules_ = std::move(rules);
}

std::shared_ptr<const AccessRules> Access::rules() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rules_;
}

bool Access::origin_allowed(const HttpRequest& req) const {
  auto r = rules();
  if (r->allowed_origins.empty() || !req.has_header("origin")) return true;
  std::string_view origin = req.header("origin");
  return std::find(r->allowed_origins.begin(), r->allowed_origins.end(), origin) != r->allowed_origins.end();
}

Verdict Access::may_publish(const HttpRequest& req) const {
  auto r = rules();
  if (!r->api_key.empty())
    return constant_time_equal(bearer_token(req), r->api_key) ? Verdict::allowed : Verdict::unauthorized;
  auto address = IpAddress::parse(req.remote_address);
  if (!address) return Verdict::forbidden;
  for (const Cidr& c : r->http_publish_from)
    if (c.contains(*address)) return Verdict::allowed;
  return Verdict::forbidden;
}

bool Access::key_matches(const HttpRequest& req, std::string_view query_key) const {
  auto r = rules();
  if (r->api_key.empty()) return true;
  std::string_view given = query_key.empty() ? bearer_token(req) : query_key;
  return constant_time_equal(given, r->api_key);
}

}  // namespace sluice::relay
