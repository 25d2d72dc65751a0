#include "relay/websocket_api.hpp"

#include <chrono>
#include <memory>

#include "relay/connection_log.hpp"
#include "relay/connection_note.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

RefusalReason refusal_of(PublishOutcome::Status status) {
  switch (status) {
    case PublishOutcome::Status::too_large: return RefusalReason::too_large;
    case PublishOutcome::Status::not_allowed: return RefusalReason::forbidden;
    case PublishOutcome::Status::ok:
    case PublishOutcome::Status::bad_topic:
    case PublishOutcome::Status::invalid_text: break;
  }
  return RefusalReason::bad_request;
}

bool is_topics_path(std::string_view path) { return path == "/topics" || path.starts_with("/topics/"); }

}  // namespace

UpgradeDecision WebSocketApi::on_upgrade(const UpgradeRequest& req) {
  UpgradeDecision d = decide(req);
  http_.count(req.path == stats_feed_path ? HttpRoute::stats_ws
              : is_topics_path(req.path)  ? HttpRoute::subscribe
                                          : HttpRoute::other,
              d.status);
  if (auto* s = static_cast<Subscriber*>(d.user_data)) {
    s->peer = std::string(req.remote_address);
    s->target =
        req.query.empty() ? std::string(req.path) : std::string(req.path) + "?" + std::string(req.query);
  }
  return d;
}

UpgradeDecision WebSocketApi::decide(const UpgradeRequest& req) {
  auto refuse = [&](int status, const std::string& why) {
    refusals_.refuse(refusal_reason(status), req.remote_address, "subscription to " + std::string(req.path),
                     status, why);
    return UpgradeDecision::refuse(status, why + "\n");
  };
  if (!access_.origin_allowed(req)) return refuse(403, "origin not allowed");
  if (req.path == stats_feed_path) {
    auto* s = new Subscriber;
    s->kind = Subscriber::Kind::stats;
    return UpgradeDecision::accept({}, s);
  }
  if (!is_topics_path(req.path)) return refuse(404, "no WebSocket here; use /topics/NAME");
  if (auto why = readiness_.refusing_new_work()) return refuse(503, *why);
  SubscriptionParse parsed = parse_subscription(req.path, req.query);
  if (!parsed.request) return refuse(400, parsed.error);
  for (const TopicPattern& p : parsed.request->patterns) {
    switch (relay_.settings_for(p.text()).subscribe) {
      case SubscribeAccess::anyone: break;
      case SubscribeAccess::nobody: return refuse(403, "topic '" + p.text() + "' does not allow subscribers");
      case SubscribeAccess::api_key:
        if (!access_.key_matches(req, parsed.request->api_key))
          return refuse(401, "topic '" + p.text() + "' needs the API key");
        break;
    }
  }
  auto* s = new Subscriber;
  s->request = std::move(*parsed.request);
  return UpgradeDecision::accept({}, s);
}

void WebSocketApi::on_open(WebSocket ws) {
  Subscriber* s = ws.user<Subscriber>();
  log_connection_opened(s->peer, s->target);
  if (s->kind == Subscriber::Kind::stats) {
    ws.set_policy(SlowConsumerPolicy::latest);
    ws.subscribe(stats_feed_topic);
    return;
  }
  relay_.subscribe(ws, s->request);
}

void WebSocketApi::on_message(WebSocket ws, std::string_view data, Opcode opcode) {
  Subscriber* s = ws.user<Subscriber>();
  std::string_view topic =
      s->kind == Subscriber::Kind::topics ? s->request.single_topic() : std::string_view{};
  if (topic.empty()) {
    constexpr std::string_view why = "publish on a connection to one exact topic";
    refusals_.refuse(RefusalReason::bad_request, ws.remote_address(), "a message",
                     close_code::policy_violation, why);
    ws.close(close_code::policy_violation, why);
    return;
  }
  PublishOutcome out = relay_.publish(topic, data, opcode, Publisher::client);
  if (out.status == PublishOutcome::Status::ok) return;
  const RefusalReason reason = refusal_of(out.status);
  const std::uint16_t code =
      reason == RefusalReason::too_large ? close_code::message_too_big : close_code::policy_violation;
  refusals_.refuse(reason, ws.remote_address(), "a message to " + std::string(topic), code, out.error);
  ws.close(code, out.error);
}

void WebSocketApi::on_close(WebSocket ws, std::uint16_t code) {
  std::unique_ptr<Subscriber> s(ws.user<Subscriber>());
  ws.set_user_data(nullptr);
  if (!s) return;
  log_connection_closed(ws, s->peer, s->target, std::chrono::steady_clock::now() - s->opened, code);
  if (s->kind == Subscriber::Kind::topics) relay_.unsubscribe(s->request);
}

std::string WebSocketApi::describe(WebSocket ws) const {
  const Subscriber* s = ws.user<Subscriber>();
  return s ? encode_note({s->opened_ms, s->target}) : std::string();
}

}  // namespace sluice::relay
