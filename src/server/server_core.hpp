// ServerCore: what every worker of one server shares: settings, callbacks, routes, topic
// settings (all read-only once run() starts) and the list of workers, for publish and stats.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/path_table.hpp"
#include "http/route_table.hpp"
#include "net/tls_server_context.hpp"
#include "send/memory_budget.hpp"
#include "server/peer_limits.hpp"
#include "server/topic_flow.hpp"
#include "sluice/behaviors.hpp"
#include "sluice/http_stream.hpp"
#include "sluice/opcode.hpp"
#include "sluice/policy.hpp"
#include "sluice/server_options.hpp"
#include "sluice/stats.hpp"

namespace sluice::detail {

class Worker;

struct ServerCore {
  ServerOptions options;
  // WebSocket behaviors: the constructor's first, then one set per Server::ws path, found by
  // path through ws_routes; and stream behaviors, an empty set first, then one per streaming
  // route. Both are complete before the workers start, which keep spans of them.
  std::vector<Behaviors> ws_behaviors = std::vector<Behaviors>(1);
  PathTable<std::uint8_t> ws_routes;
  std::vector<StreamBehaviors> stream_behaviors = std::vector<StreamBehaviors>(1);
  RouteTable routes;
  std::map<std::string, TopicOptions, std::less<>> topic_options;
  // One slot per worker; made by listen(), and destroyed after the workers (frames a worker
  // frees on its way out uncharge it).
  std::unique_ptr<MemoryBudget> budget;
  std::unique_ptr<PeerLimits> peer_limits;
  TopicFlow flow;
  // The certificates new connections get (null: plain TCP); each worker holds its own copy,
  // replaced by a posted task when they are reloaded.
  std::shared_ptr<const TlsServerContext> tls;
  std::vector<std::unique_ptr<Worker>> workers;

  const TopicOptions& options_for_topic(std::string_view name) const;
  // compression: this message's, or unset for the topic's (Server::publish).
  PublishResult publish(std::string_view topic, std::string_view data, Opcode opcode,
                        std::optional<Compression> compression);
  ServerStats stats() const;
  std::vector<ConnectionInfo> connections(std::size_t n) const;  // Server::connections
  std::uint64_t memory_freed_on_close() const;                   // summed over the workers
};

}  // namespace sluice::detail
