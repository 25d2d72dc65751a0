// Access: who may publish over HTTP and subscribe, from the [server] settings that a reload may
// change (allowed_origins, api_key, http_publish_from). Rules are swapped whole under a mutex,
// so a request sees either the old rules or the new ones, never a mix.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/http.hpp>

#include "config/config.hpp"

namespace sluice::relay {

enum class Verdict : std::uint8_t { allowed, unauthorized /* 401 */, forbidden /* 403 */ };

struct AccessRules {
  std::vector<std::string> allowed_origins;  // empty: any
  std::string api_key;                       // empty: none
  std::vector<Cidr> http_publish_from;
};

class Access {
 public:
  explicit Access(const ServerConfig& server) { apply(server); }
  void apply(const ServerConfig& server);

  // A browser's Origin header against allowed_origins (a request without one is not a browser's).
  bool origin_allowed(const HttpRequest& req) const;
  // POST: with an api_key set, the request must carry it (Authorization: Bearer KEY); without
  // one, it must come from an address in http_publish_from.
  Verdict may_publish(const HttpRequest& req) const;
  // A topic whose subscribers need the key: in the Authorization header or ?api_key=.
  bool key_matches(const HttpRequest& req, std::string_view query_key) const;

 private:
  std::shared_ptr<const AccessRules> rules() const;
  mutable std::mutex mutex_;
  std::shared_ptr<const AccessRules> rules_;
};

// Compares in time that depends on the lengths only, never on where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// The token of "Authorization: Bearer TOKEN", or empty.
std::string_view bearer_token(const HttpRequest& req);

}  // namespace sluice::relay
