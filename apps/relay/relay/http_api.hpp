// HttpApi: the relay's plain HTTP routes.
//
//   POST /topics/NAME   publish the body (text/* and application/json as text, else binary):
//                       200 {"topic":...,"seq":...,"subscribers":...}; 400 bad name or text,
//                       401 without the API key, 403 not allowed, 413 over max_message_size
//   GET  /topics        every topic as JSON; GET /topics/NAME one topic (404 if unknown)
//   GET  /stats         the stats snapshot (metrics/stats_json.hpp)
//   GET  /healthz       200 "ok" while the loop answers
//   GET  /sluice.js     the browser client; GET / and /assets/... the dashboard
#pragma once

#include <functional>

#include <sluice/sluice.hpp>

#include "relay/access.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

class HttpApi {
 public:
  HttpApi(Relay& relay, const Access& access, Refusals& refusals, std::function<std::string()> stats_json)
      : relay_(relay), access_(access), refusals_(refusals), stats_json_(std::move(stats_json)) {}
  void install(sluice::Server& server);

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
  std::function<std::string()> stats_json_;
};

// Whether a body of this Content-Type is published as a text message.
bool is_text_media_type(std::string_view content_type);

}  // namespace sluice::relay
