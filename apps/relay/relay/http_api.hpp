// HttpApi: the relay's plain HTTP routes.
//
//   POST /topics/NAME   publish the body (text/* and application/json as text, else binary):
//                       200 {"topic":...,"seq":...,"subscribers":...}; 400 bad name or text,
//                       401 without the API key, 403 not allowed, 413 over max_message_size,
//                       503 while new work is refused (a resource over its limit)
//   GET  /topics        every topic as JSON; GET /topics/NAME one topic (404 if unknown)
//   GET  /stats         the stats snapshot (metrics/stats_json.hpp)
//   GET  /sluice.js     the browser client; GET / and /assets/... the dashboard
// (GET /metrics, /healthz and /readyz are Operations'.) Every answer is counted by route and
// status in HttpCounts.
#pragma once

#include <functional>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"
#include "relay/access.hpp"
#include "relay/http_counts.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

class HttpApi {
 public:
  HttpApi(Relay& relay, const Access& access, Refusals& refusals, const Readiness& readiness,
          HttpCounts& http, std::function<std::string()> stats_json)
      : relay_(relay),
        access_(access),
        refusals_(refusals),
        readiness_(readiness),
        http_(http),
        stats_json_(std::move(stats_json)) {}
  void install(sluice::Server& server);
  // Every route, as install() hands it to the server: method, path, handler.
  using AddRoute = std::function<void(std::string_view method, std::string path, HttpHandler handler)>;
  void for_each_route(const AddRoute& add);

  HttpResponse publish(const HttpRequest& req);
  HttpResponse list_topics(const HttpRequest& req);
  HttpResponse show_topic(const HttpRequest& req);
  HttpResponse asset(const HttpRequest& req);

 private:
  // A publish turned down: logged and counted once (Refusals), answered with JSON {"error":...}.
  HttpResponse refused(const HttpRequest& req, int status, std::string_view why);

  Relay& relay_;
  const Access& access_;
  Refusals& refusals_;
  const Readiness& readiness_;
  HttpCounts& http_;
  std::function<std::string()> stats_json_;
};

// Whether a body of this Content-Type is published as a text message.
bool is_text_media_type(std::string_view content_type);

}  // namespace sluice::relay
