#include "relay/subscription_gate.hpp"

#include <utility>

namespace sluice::relay {

Admission SubscriptionGate::admit_websocket(const HttpRequest& req) const {
  if (auto why = readiness_.refusing_new_work()) return {std::nullopt, 503, *why};
  return admit(req, parse_subscription(req.path, req.query));
}

Admission SubscriptionGate::admit_event_stream(const HttpRequest& req, std::string_view last_event_id) const {
  if (auto why = readiness_.refusing_new_work()) return {std::nullopt, 503, *why};
  return admit(req, parse_event_stream_subscription(req.path, req.query, last_event_id));
}

Admission SubscriptionGate::admit(const HttpRequest& req, SubscriptionParse parsed) const {
  if (!parsed.request) return {std::nullopt, 400, std::move(parsed.error)};
  for (const TopicPattern& p : parsed.request->patterns) {
    switch (relay_.settings_for(p.text()).subscribe) {
      case SubscribeAccess::anyone: break;
      case SubscribeAccess::nobody:
        return {std::nullopt, 403, "topic '" + p.text() + "' does not allow subscribers"};
      case SubscribeAccess::api_key:
        if (!access_.key_matches(req, parsed.request->api_key))
          return {std::nullopt, 401, "topic '" + p.text() + "' needs the API key"};
        break;
    }
  }
  return {std::move(parsed.request), 0, {}};
}

}  // namespace sluice::relay
