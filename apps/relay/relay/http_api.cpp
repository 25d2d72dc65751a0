#include "relay/http_api.hpp"

#include "browser/browser_client.hpp"
#include "dashboard/dashboard_assets.hpp"
#include "http/json_writer.hpp"
#include "relay/connection_log.hpp"
#include "relay/log_line.hpp"
#include "relay/subscription_request.hpp"
#include "relay/websocket_api.hpp"

namespace sluice::relay {

namespace {

HttpResponse json_response(int status, std::string body) {
  body += '\n';
  return HttpResponse{status, "application/json", std::move(body)};
}

HttpResponse error(int status, std::string_view why) {
  std::string out;
  JsonWriter(out).begin_object().key("error").value(why).end_object();
  return json_response(status, std::move(out));
}

void write_topic(JsonWriter& w, const TopicSummary& t) {
  w.begin_object()
      .key("name")
      .value(t.name)
      .key("subscribers")
      .value(t.subscribers)
      .key("last_seq")
      .value(t.last_seq)
      .key("published")
      .value(t.published)
      .key("messages_per_second")
      .value(t.messages_per_second)
      .key("history_messages")
      .value(t.history_messages)
      .key("history_bytes")
      .value(t.history_bytes)
      .end_object();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

bool is_text_media_type(std::string_view content_type) {
  std::string type = lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type.starts_with("text/") || type == "application/json" || type.ends_with("+json");
}

// A publish waiting for the broker, from the route to the answer. `stream` is valid while
// `open`, which the stream's on_close clears (both on the connection's loop).
struct PendingPublish {
  std::string topic;
  std::string body;
  Opcode opcode = Opcode::text;
  std::string peer;
  bool open = true;
};

namespace {

HttpResponse outcome_response(const std::string& topic, const PublishOutcome& out) {
  using Status = PublishOutcome::Status;
  switch (out.status) {
    case Status::ok: break;
    case Status::unavailable: return error(503, out.error).header("Retry-After", "1");
    case Status::bad_topic:
    case Status::invalid_text: return error(400, out.error);
    case Status::not_allowed: return error(403, out.error);
    case Status::too_large: return error(413, out.error);
  }
  std::string body;
  JsonWriter w(body);
  w.begin_object()
      .key("topic")
      .value(topic)
      .key("seq")
      .value(out.seq)
      .key("subscribers")
      .value(out.subscribers);
  if (out.relays > 0) w.key("relays").value(out.relays);
  w.end_object();
  return json_response(200, std::move(body));
}

}  // namespace

StreamBehaviors HttpApi::publish_later_behaviors() {
  StreamBehaviors later;
  later.on_open = [this](HttpStream s) { publish_later(s); };
  later.on_close = [](HttpStream s) {
    std::unique_ptr<std::shared_ptr<PendingPublish>> held(s.user<std::shared_ptr<PendingPublish>>());
    s.set_user_data(nullptr);
    if (held) (*held)->open = false;
  };
  return later;
}

void HttpApi::publish_later(HttpStream stream) {
  auto pending = std::shared_ptr<PendingPublish>(stream.user<PendingPublish>());
  // The stream holds its own reference until on_close.
  stream.set_user_data(new std::shared_ptr<PendingPublish>(pending));
  LoopHandle loop = stream.loop();
  relay_.publish_async(pending->topic, pending->body, pending->opcode, Publisher::http,
                       [this, pending, stream, loop](PublishOutcome out) {
                         // On the broker's loop: the answer goes back to the request's.
                         loop.post([this, pending, stream, out = std::move(out)]() mutable {
                           if (!pending->open) return;
                           HttpResponse r = outcome_response(pending->topic, out);
                           http_.count(HttpRoute::publish, r.status);
                           stream.respond(r);
                         });
                       });
  pending->body.clear();
  pending->body.shrink_to_fit();
}

void HttpApi::install(sluice::Server& server) {
  for_each_route(
      [&](std::string_view method, std::string path, HttpHandler handler, const StreamBehaviors* stream) {
        if (stream) {
          server.route(method, std::move(path), std::move(handler), *stream);
        } else {
          server.route(method, std::move(path), std::move(handler));
        }
      });
}

namespace {

bool wants_event_stream(const HttpRequest& req) {
  return lower(req.header("accept")).find("text/event-stream") != std::string::npos;
}

}  // namespace

HttpHandler HttpApi::topics_route(HttpResponse (HttpApi::*plain)(const HttpRequest&)) {
  return [this, plain](const HttpRequest& req) {
    const bool events = wants_event_stream(req);
    HttpResponse r = events ? subscribe_events(req) : (this->*plain)(req);
    http_.count(events ? HttpRoute::subscribe : HttpRoute::other, r.status);
    return r;
  };
}

HttpResponse HttpApi::subscribe_events(const HttpRequest& req) {
  auto refuse = [&](int status, const std::string& why) {
    refusals_.refuse(refusal_reason(status), req.remote_address, "event stream of " + std::string(req.path),
                     status, why);
    return error(status, why);
  };
  if (!access_.origin_allowed(req)) return refuse(403, "origin not allowed");
  Admission admitted = gate_.admit_event_stream(req, req.header("last-event-id"));
  if (!admitted.request) return refuse(admitted.status, admitted.why);
  auto* s = new Subscriber;
  s->request = std::move(*admitted.request);
  s->peer = std::string(req.remote_address);
  s->target =
      req.query.empty() ? std::string(req.path) : std::string(req.path) + "?" + std::string(req.query);
  // No-cache, and no buffering by a proxy in front, so that each event goes out as it is sent.
  return HttpResponse::stream("text/event-stream; charset=utf-8", s)
      .header("Cache-Control", "no-cache")
      .header("X-Accel-Buffering", "no");
}

StreamBehaviors HttpApi::event_stream_behaviors() {
  StreamBehaviors b;
  b.on_open = [this](HttpStream stream) {
    Subscriber* s = stream.user<Subscriber>();
    log_connection_opened(s->peer, s->target);
    relay_.subscribe(stream, s->request);
  };
  b.on_close = [this](HttpStream stream) {
    Subscriber* s = stream.user<Subscriber>();
    log_connection_closed(stream.stats(), s->peer, s->target, std::chrono::steady_clock::now() - s->opened,
                          std::nullopt);
    relay_.unsubscribe(stream, s->request);
  };
  b.destroy_user_data = [](void* p) { delete static_cast<Subscriber*>(p); };
  return b;
}

void HttpApi::for_each_route(const AddRoute& add) {
  // A publish through a broker is answered later (publish_later), by these stream behaviors.
  add("POST", "/topics/*",
      http_.counted(HttpRoute::publish, [this](const HttpRequest& r) { return publish(r); }), &later_);
  add("GET", "/topics", topics_route(&HttpApi::list_topics), &events_);
  add("GET", "/topics/*", topics_route(&HttpApi::show_topic), &events_);
  add("GET", "/stats",
      http_.counted(HttpRoute::stats,
                    [this](const HttpRequest&) { return json_response(200, stats_json_()); }),
      nullptr);
  for (std::string_view path : {"/", "/index.html", "/sluice.js"})
    add("GET", std::string(path),
        http_.counted(HttpRoute::dashboard, [this](const HttpRequest& r) { return asset(r); }), nullptr);
  add("GET", "/assets/*",
      http_.counted(HttpRoute::dashboard, [this](const HttpRequest& r) { return asset(r); }), nullptr);
}

HttpResponse HttpApi::refused(const HttpRequest& req, int status, std::string_view why) {
  refusals_.refuse(refusal_reason(status), req.remote_address, "publish to " + std::string(req.path), status,
                   why);
  return error(status, why);
}

HttpResponse HttpApi::refusal(const HttpRequest& req, const PublishOutcome& out) {
  using Status = PublishOutcome::Status;
  switch (out.status) {
    case Status::ok: break;
    case Status::bad_topic:
    case Status::invalid_text: return refused(req, 400, out.error);
    case Status::not_allowed: return refused(req, 403, out.error);
    case Status::too_large: return refused(req, 413, out.error);
    case Status::unavailable: return error(503, out.error).header("Retry-After", "1");
  }
  return error(500, "unexpected publish outcome");
}

HttpResponse HttpApi::publish(const HttpRequest& req) {
  switch (access_.may_publish(req)) {
    case Verdict::allowed: break;
    case Verdict::unauthorized:
      return refused(req, 401, "this relay needs its API key: Authorization: Bearer KEY")
          .header("WWW-Authenticate", "Bearer");
    case Verdict::forbidden: return refused(req, 403, "HTTP publishing is not allowed from this address");
  }
  if (auto why = readiness_.refusing_new_work()) return error(503, *why);
  auto topic = topic_from_path(req.path);
  if (!topic || !req.query.empty()) return refused(req, 400, "publish to /topics/NAME, without a query");
  if (req.body.size() > relay_.max_message_size())
    return refused(req, 413, "message larger than max_message_size");
  const Opcode opcode = is_text_media_type(req.header("content-type")) ? Opcode::text : Opcode::binary;
  if (relay_.has_broker()) {
    if (auto bad = relay_.check(*topic, req.body, opcode, Publisher::http)) return refusal(req, *bad);
    if (!relay_.broker_up())
      return error(503, "the broker is unreachable: the message would reach nobody")
          .header("Retry-After", "1");
    return HttpResponse::later(
        new PendingPublish{*topic, std::string(req.body), opcode, std::string(req.remote_address)});
  }
  PublishOutcome out = relay_.publish(*topic, req.body, opcode, Publisher::http);
  if (out.status != PublishOutcome::Status::ok) return refusal(req, out);
  std::string body;
  JsonWriter(body)
      .begin_object()
      .key("topic")
      .value(*topic)
      .key("seq")
      .value(out.seq)
      .key("subscribers")
      .value(out.subscribers)
      .end_object();
  return json_response(200, std::move(body));
}

HttpResponse HttpApi::list_topics(const HttpRequest&) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("topics").begin_array();
  for (const TopicSummary& t : relay_.topics()) write_topic(w, t);
  w.end_array().end_object();
  return json_response(200, std::move(body));
}

HttpResponse HttpApi::show_topic(const HttpRequest& req) {
  auto name = topic_from_path(req.path);
  if (!name || check_topic_name(*name) != TopicCheck::ok) return error(400, "not a topic name");
  auto summary = relay_.topic(*name);
  if (!summary) return error(404, "no such topic: nothing published to it, and no subscriber");
  std::string body;
  JsonWriter w(body);
  write_topic(w, *summary);
  return json_response(200, std::move(body));
}

HttpResponse HttpApi::asset(const HttpRequest& req) {
  const DashboardAsset* a =
      req.path == "/sluice.js" ? &browser_client_asset() : find_dashboard_asset(req.path);
  if (!a) return error(404, "not found");
  if (req.header("if-none-match") == a->etag)
    return HttpResponse{304, std::string(a->content_type), {}}.header("ETag", std::string(a->etag));
  HttpResponse r{200, std::string(a->content_type),
                 std::string(reinterpret_cast<const char*>(a->bytes.data()), a->bytes.size())};
  r.header("ETag", std::string(a->etag)).header("Cache-Control", "no-cache");
  return r;
}

}  // namespace sluice::relay
