// The /sources route: a snapshot of every status, written by sources_json.
#include "relay/sources_api.hpp"

#include "sources/sources_json.hpp"

namespace sluice::relay {

void install_sources_api(sluice::Server& server, SourceStatuses statuses) {
  server.route("/sources", [statuses = std::move(statuses)](const HttpRequest&) {
    std::string body;
    append_sources_json(body, statuses());
    body += '\n';
    return HttpResponse{200, "application/json", std::move(body)};
  });
}

}  // namespace sluice::relay
