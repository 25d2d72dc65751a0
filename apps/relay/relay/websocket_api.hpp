// WebSocketApi: the relay's WebSocket side. ws://HOST/topics/NAME (or /topics?topic=A&topic=B)
// subscribes; what the client sends publishes to its one topic where the topic allows it;
// ws://HOST/stats/ws receives the stats snapshot every second (the dashboard's feed), under
// the `latest` policy: a reader that falls behind gets the newest snapshot, never a backlog.
// Refusals are HTTP statuses at the handshake: 400 bad URL, 401 missing key, 403 origin or
// topic access, 404 another path, 503 while new work is refused (Readiness); a client
// publishing where it may not is closed with 1008 (1009 over max_message_size). Each refusal is
// logged and counted once (Refusals); each connection is logged when it opens and when it closes
// (relay/connection_log.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"
#include "relay/access.hpp"
#include "relay/http_counts.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

// The engine topic the stats feed publishes to; no subscription key can be spelled like it.
inline constexpr std::string_view stats_feed_topic = "$stats";
inline constexpr std::string_view stats_feed_path = "/stats/ws";

// What a connection is: the user data of an upgrade on_upgrade accepts, owned by the connection
// from the handshake until on_close deletes it.
struct Subscriber {
  enum class Kind : std::uint8_t { topics, stats };
  Kind kind = Kind::topics;
  SubscriptionRequest request;
  std::string peer;
  std::string target;  // path?query, for logs and the stats table
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
  std::int64_t opened_ms = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now())
                               .time_since_epoch()
                               .count();
};

class WebSocketApi {
 public:
  WebSocketApi(Relay& relay, const Access& access, Refusals& refusals, const Readiness& readiness,
               HttpCounts& http)
      : relay_(relay), access_(access), refusals_(refusals), readiness_(readiness), http_(http) {}

  // The server's behaviors call these (see RelayApp).
  UpgradeDecision on_upgrade(const UpgradeRequest& req);
  void on_open(WebSocket ws);
  void on_message(WebSocket ws, std::string_view data, Opcode opcode);
  void on_close(WebSocket ws, std::uint16_t code);
  std::string describe(WebSocket ws) const;  // for Server::connections (relay/connection_note.hpp)

 private:
  UpgradeDecision decide(const UpgradeRequest& req);

  Relay& relay_;
  const Access& access_;
  Refusals& refusals_;
  const Readiness& readiness_;
  HttpCounts& http_;
};

}  // namespace sluice::relay
