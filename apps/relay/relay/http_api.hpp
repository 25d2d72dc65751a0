// HttpApi: the relay's plain HTTP routes.
//
//   POST /topics/NAME   publish the body (text/* and application/json as text, else binary):
//                       200 {"topic":...,"seq":...,"subscribers":...}; 400 bad name or text,
//                       401 without the API key, 403 not allowed, 413 over max_message_size,
//                       503 while new work is refused (a resource over its limit, the broker
//                       unreachable); with a broker the answer waits for it (the sequence is
//                       the cluster's): never 200 for a message nobody gets
//   GET  /topics        every topic as JSON; GET /topics/NAME one topic (404 if unknown); either
//                       with Accept: text/event-stream subscribes as Server-Sent Events, with
//                       the same URL, statuses and resume as the WebSocket (Last-Event-ID)
//   GET  /stats         the stats snapshot (metrics/stats_json.hpp)
//   GET  /sluice.js     the browser client; GET / and /assets/... the dashboard
// (GET /metrics, /healthz and /readyz are Operations'.) Every answer is counted by route and
// status in HttpCounts.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"
#include "relay/access.hpp"
#include "relay/http_counts.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"
#include "relay/subscription_gate.hpp"

namespace sluice::relay {

class HttpApi {
 public:
  HttpApi(Relay& relay, const Access& access, Refusals& refusals, const Readiness& readiness,
          HttpCounts& http, std::function<std::string()> stats_json)
      : relay_(relay),
        access_(access),
        refusals_(refusals),
        readiness_(readiness),
        gate_(relay, access, readiness),
        http_(http),
        stats_json_(std::move(stats_json)),
        events_(event_stream_behaviors()),
        later_(publish_later_behaviors()) {}
  void install(sluice::Server& server);
  // Every route, as install() hands it to the server: method, path, handler.
  // `stream`: the route's stream behaviors, when it may answer with an event stream.
  using AddRoute = std::function<void(std::string_view method, std::string path, HttpHandler handler,
                                      const StreamBehaviors* stream)>;
  void for_each_route(const AddRoute& add);

  HttpResponse publish(const HttpRequest& req);
  HttpResponse list_topics(const HttpRequest& req);
  HttpResponse show_topic(const HttpRequest& req);
  HttpResponse asset(const HttpRequest& req);
  // GET /topics/... with Accept: text/event-stream: the subscription as Server-Sent Events.
  HttpResponse subscribe_events(const HttpRequest& req);

 private:
  // A publish turned down: logged and counted once (Refusals), answered with JSON {"error":...}.
  HttpResponse refused(const HttpRequest& req, int status, std::string_view why);
  HttpResponse refusal(const HttpRequest& req, const PublishOutcome& out);
  // A publish through the broker: the answer is given once the broker has numbered it.
  void publish_later(HttpStream stream);
  // GET /topics and /topics/*: an event stream when asked for one, else `plain`'s answer.
  HttpHandler topics_route(HttpResponse (HttpApi::*plain)(const HttpRequest&));
  StreamBehaviors event_stream_behaviors();
  StreamBehaviors publish_later_behaviors();

  Relay& relay_;
  const Access& access_;
  Refusals& refusals_;
  const Readiness& readiness_;
  SubscriptionGate gate_;
  HttpCounts& http_;
  std::function<std::string()> stats_json_;
  StreamBehaviors events_;
  StreamBehaviors later_;  // a publish through the broker, answered later
};

// Whether a body of this Content-Type is published as a text message.
bool is_text_media_type(std::string_view content_type);

}  // namespace sluice::relay
