#include "relay/http_api.hpp"

#include "browser/browser_client.hpp"
#include "dashboard/dashboard_assets.hpp"
#include "http/json_writer.hpp"
#include "relay/log_line.hpp"
#include "relay/subscription_request.hpp"

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

void HttpApi::install(sluice::Server& server) {
  for_each_route([&](std::string_view method, std::string path, HttpHandler handler) {
    server.route(method, std::move(path), std::move(handler));
  });
}

void HttpApi::for_each_route(const AddRoute& add) {
  add("POST", "/topics/*",
      http_.counted(HttpRoute::publish, [this](const HttpRequest& r) { return publish(r); }));
  add("GET", "/topics",
      http_.counted(HttpRoute::other, [this](const HttpRequest& r) { return list_topics(r); }));
  add("GET", "/topics/*",
      http_.counted(HttpRoute::other, [this](const HttpRequest& r) { return show_topic(r); }));
  add("GET", "/stats", http_.counted(HttpRoute::stats, [this](const HttpRequest&) {
    return json_response(200, stats_json_());
  }));
  for (std::string_view path : {"/", "/index.html", "/sluice.js"})
    add("GET", std::string(path),
        http_.counted(HttpRoute::dashboard, [this](const HttpRequest& r) { return asset(r); }));
  add("GET", "/assets/*",
      http_.counted(HttpRoute::dashboard, [this](const HttpRequest& r) { return asset(r); }));
}

HttpResponse HttpApi::refused(const HttpRequest& req, int status, std::string_view why) {
  refusals_.refuse(refusal_reason(status), req.remote_address, "publish to " + std::string(req.path), status,
                   why);
  return error(status, why);
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
  PublishOutcome out = relay_.publish(*topic, req.body, opcode, Publisher::http);
  using Status = PublishOutcome::Status;
  switch (out.status) {
    case Status::ok: break;
    case Status::bad_topic:
    case Status::invalid_text: return refused(req, 400, out.error);
    case Status::not_allowed: return refused(req, 403, out.error);
    case Status::too_large: return refused(req, 413, out.error);
  }
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
