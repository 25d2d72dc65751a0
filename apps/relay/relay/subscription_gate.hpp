// SubscriptionGate: whether a request may subscribe, the same for a WebSocket upgrade and an
// event stream (GET /topics/... with Accept: text/event-stream): not while new work is refused
// (503, Readiness), a URL that parses (400), and each pattern's topic access (403 for topics
// that take no subscribers, 401 without the API key where one is needed). The caller checks
// the origin first, and logs and counts a refusal (Refusals).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"
#include "relay/access.hpp"
#include "relay/relay.hpp"
#include "relay/subscription_request.hpp"

namespace sluice::relay {

struct Admission {
  std::optional<SubscriptionRequest> request;  // admitted; else `status` and `why`
  int status = 0;
  std::string why;
};

class SubscriptionGate {
 public:
  SubscriptionGate(const Relay& relay, const Access& access, const Readiness& readiness)
      : relay_(relay), access_(access), readiness_(readiness) {}

  Admission admit_websocket(const HttpRequest& req) const;
  // `last_event_id`: the request's Last-Event-ID header.
  Admission admit_event_stream(const HttpRequest& req, std::string_view last_event_id) const;

 private:
  Admission admit(const HttpRequest& req, SubscriptionParse parsed) const;

  const Relay& relay_;
  const Access& access_;
  const Readiness& readiness_;
};

}  // namespace sluice::relay
