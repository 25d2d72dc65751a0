#include "relay/websocket_api.hpp"

#include <memory>

#include "relay/log_line.hpp"

namespace sluice::relay {

UpgradeDecision WebSocketApi::on_upgrade(const UpgradeRequest& req) {
  auto refuse = [&](int status, const std::string& why) {
    log_line(LogLevel::warn, "{}: subscription to {} refused with {}: {}", req.remote_address, req.path,
             status, why);
    return UpgradeDecision::refuse(status, why + "\n");
  };
  if (!access_.origin_allowed(req)) return refuse(403, "origin not allowed");
  if (req.path == "/stats/ws")
    return UpgradeDecision::accept({}, new Subscriber{Subscriber::Kind::stats, {}});
  if (req.path != "/topics" && !req.path.starts_with("/topics/"))
    return refuse(404, "no WebSocket here; use /topics/NAME");
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
  return UpgradeDecision::accept({}, new Subscriber{Subscriber::Kind::topics, std::move(*parsed.request)});
}

void WebSocketApi::on_open(WebSocket ws) {
  Subscriber* s = ws.user<Subscriber>();
  if (s->kind == Subscriber::Kind::stats) {
    ws.subscribe(stats_feed_topic);
    return;
  }
  // The most specific settings of its first pattern govern how the connection is treated when
  // it falls behind.
  if (auto policy = relay_.settings_for(s->request.patterns.front().text()).policy) ws.set_policy(*policy);
  relay_.subscribe(ws, s->request);
}

void WebSocketApi::on_message(WebSocket ws, std::string_view data, Opcode opcode) {
  Subscriber* s = ws.user<Subscriber>();
  std::string_view topic =
      s->kind == Subscriber::Kind::topics ? s->request.single_topic() : std::string_view{};
  if (topic.empty()) {
    ws.close(close_code::policy_violation, "publish on a connection to one exact topic");
    return;
  }
  PublishOutcome out = relay_.publish(topic, data, opcode, Publisher::client);
  if (out.status == PublishOutcome::Status::ok) return;
  log_line(LogLevel::warn, "{}: publish to {} refused: {}", ws.remote_address(), topic, out.error);
  ws.close(out.status == PublishOutcome::Status::too_large ? close_code::message_too_big
                                                           : close_code::policy_violation,
           out.error);
}

void WebSocketApi::on_close(WebSocket ws) {
  std::unique_ptr<Subscriber> s(ws.user<Subscriber>());
  ws.set_user_data(nullptr);
  if (s && s->kind == Subscriber::Kind::topics) relay_.unsubscribe(s->request);
}

}  // namespace sluice::relay
