// Label names for the relay's enums. The name lists are built from to_string in enum order,
// so a label's values cannot drift from the enum they index.
#include "metrics/relay_labels.hpp"

#include <algorithm>

namespace sluice::relay {
namespace {

template <class Enum>
std::vector<std::string> names_of(std::size_t count) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i) names.emplace_back(to_string(static_cast<Enum>(i)));
  return names;
}

constexpr std::array<int, 17> exact_codes = {101, 200, 204, 304, 400, 401, 403, 404, 405,
                                             408, 413, 414, 426, 429, 431, 500, 503};
static_assert(exact_codes.size() + 5 + 1 == http_code_count);

}  // namespace

std::string_view to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::handshaking: return "handshaking";
    case ConnectionState::open: return "open";
    case ConnectionState::closing: return "closing";
  }
  return "unknown";
}

std::string_view to_string(MessageOrigin origin) {
  switch (origin) {
    case MessageOrigin::websocket: return "websocket";
    case MessageOrigin::http: return "http";
    case MessageOrigin::source: return "source";
  }
  return "unknown";
}

std::string_view to_string(SourceState state) {
  switch (state) {
    case SourceState::starting: return "starting";
    case SourceState::running: return "running";
    case SourceState::paused: return "paused";
    case SourceState::backoff: return "backoff";
    case SourceState::stopped: return "stopped";
    case SourceState::failed: return "failed";
  }
  return "unknown";
}

std::string_view to_string(HttpRoute route) {
  switch (route) {
    case HttpRoute::dashboard: return "dashboard";
    case HttpRoute::metrics: return "metrics";
    case HttpRoute::stats: return "stats";
    case HttpRoute::stats_ws: return "stats_ws";
    case HttpRoute::healthz: return "healthz";
    case HttpRoute::readyz: return "readyz";
    case HttpRoute::publish: return "publish";
    case HttpRoute::subscribe: return "subscribe";
    case HttpRoute::other: return "other";
  }
  return "unknown";
}

std::vector<std::string> connection_state_names() {
  return names_of<ConnectionState>(connection_state_count);
}
std::vector<std::string> close_reason_names() { return names_of<CloseReason>(close_reason_count); }
std::vector<std::string> resource_names() { return names_of<Resource>(resource_count); }
std::vector<std::string> pressure_names() { return names_of<Pressure>(pressure_count); }
std::vector<std::string> message_origin_names() { return names_of<MessageOrigin>(message_origin_count); }
std::vector<std::string> source_state_names() { return names_of<SourceState>(source_state_count); }
std::vector<std::string> http_route_names() { return names_of<HttpRoute>(http_route_count); }

std::vector<std::string> slow_consumer_policy_names() {
  std::vector<std::string> names;
  for (SlowConsumerPolicy p : slow_consumer_policies) names.emplace_back(to_string(p));
  return names;
}

std::vector<std::string> http_code_names() {
  std::vector<std::string> names;
  for (int code : exact_codes) names.push_back(std::to_string(code));
  for (int cls = 1; cls <= 5; ++cls) names.push_back(std::to_string(cls) + "xx");
  names.emplace_back("other");
  return names;
}

std::size_t http_code_index(int status) {
  const auto* exact = std::find(exact_codes.begin(), exact_codes.end(), status);
  if (exact != exact_codes.end()) return static_cast<std::size_t>(exact - exact_codes.begin());
  if (status >= 100 && status <= 599) return exact_codes.size() + static_cast<std::size_t>(status / 100 - 1);
  return exact_codes.size() + 5;
}

}  // namespace sluice::relay
