// The closed sets the relay's metric labels take their values from: connection states, close
// reasons, where a message came from, source states, HTTP routes and status codes, and the
// resource guard's resources and states. Each enum's
// underlying value is its label index, so Family::at(CloseReason::idle) needs no lookup; the
// names are what /metrics and /stats print.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operations/resource_guard.hpp"
#include "sluice/policy.hpp"
#include "sluice/stats.hpp"

namespace sluice::relay {

// A connection's state as the relay counts it (sluice_connections{state}).
enum class ConnectionState : std::uint8_t {
  handshaking,  // accepted, the HTTP request or upgrade not yet answered
  open,         // upgraded
  closing,      // close handshake under way, or an HTTP response being flushed
};
inline constexpr std::size_t connection_state_count = 3;
static_assert(static_cast<std::size_t>(ConnectionState::closing) + 1 == connection_state_count);

// Why a connection ended (sluice_connections_closed_total{reason}): the engine's CloseReason.
using sluice::close_reason_count;
using sluice::CloseReason;

// Where a message entered the relay (sluice_messages_received_total{via}).
enum class MessageOrigin : std::uint8_t { websocket, http, source };
inline constexpr std::size_t message_origin_count = 3;
static_assert(static_cast<std::size_t>(MessageOrigin::source) + 1 == message_origin_count);

// A source's state (sluice_source_state{state} is 1 for the current one).
enum class SourceState : std::uint8_t {
  starting,  // opening the device, connecting, spawning the child
  running,
  paused,   // backpressure: a subscriber is over its cap, so the source is not read
  backoff,  // after a failure, waiting to try again
  stopped,  // finished and not restarting (EOF on stdin, an exec whose child exited 0)
  failed,   // ended by a failure and not restarting (an exec with restart = "never")
};
inline constexpr std::size_t source_state_count = 6;
static_assert(static_cast<std::size_t>(SourceState::failed) + 1 == source_state_count);

// The routes HTTP requests are counted by (sluice_http_requests_total{route}); a path that is
// none of them is `other`, so a client cannot add a route by asking for one.
enum class HttpRoute : std::uint8_t {
  dashboard,  // GET / and the dashboard's assets
  metrics,    // GET /metrics
  stats,      // GET /stats
  stats_ws,   // GET /stats/ws (WebSocket)
  healthz,
  readyz,
  publish,    // POST /topics/NAME
  subscribe,  // GET /topics/NAME (WebSocket)
  other,
};
inline constexpr std::size_t http_route_count = 9;
static_assert(static_cast<std::size_t>(HttpRoute::other) + 1 == http_route_count);

// Every policy in enum order, so a SlowConsumerPolicy indexes the policy label directly.
inline constexpr std::array<SlowConsumerPolicy, 5> slow_consumer_policies = {
    SlowConsumerPolicy::close, SlowConsumerPolicy::drop_newest, SlowConsumerPolicy::drop_oldest,
    SlowConsumerPolicy::latest, SlowConsumerPolicy::backpressure};
static_assert([] {
  for (std::size_t i = 0; i < slow_consumer_policies.size(); ++i) {
    if (static_cast<std::size_t>(slow_consumer_policies[i]) != i) return false;
  }
  return true;
}());

std::string_view to_string(ConnectionState state);
std::string_view to_string(MessageOrigin origin);
std::string_view to_string(SourceState state);
std::string_view to_string(HttpRoute route);

// The names of every value, in enum order: the declared values of the matching label.
std::vector<std::string> connection_state_names();
std::vector<std::string> close_reason_names();
std::vector<std::string> message_origin_names();
std::vector<std::string> source_state_names();
std::vector<std::string> http_route_names();
std::vector<std::string> slow_consumer_policy_names();

// HTTP status codes: the ones the relay answers with are labelled exactly; any other code is
// labelled by its class ("1xx" .. "5xx"), and anything outside 100..599 is "other".
inline constexpr std::size_t http_code_count = 23;
std::vector<std::string> http_code_names();
std::size_t http_code_index(int status);

// The resource guard's resources and states (sluice_resource_pressure{resource, state}).
std::vector<std::string> resource_names();
std::vector<std::string> pressure_names();

}  // namespace sluice::relay
