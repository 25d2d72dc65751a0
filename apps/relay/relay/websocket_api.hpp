// WebSocketApi: the relay's WebSocket side. ws://HOST/topics/NAME (or /topics?topic=A&topic=B)
// subscribes; what the client sends publishes to its one topic where the topic allows it;
// ws://HOST/stats/ws receives the stats snapshot every second (the dashboard's feed).
// Refusals are HTTP statuses at the handshake: 400 bad URL, 401 missing key, 403 origin or
// topic access, 404 another path; a client publishing where it may not is closed with 1008
// (1009 over max_message_size). Each is logged and counted once (Refusals).
#pragma once

#include <sluice/sluice.hpp>

#include "relay/access.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"

namespace sluice::relay {

// The engine topic the stats feed publishes to; no subscription key can be spelled like it.
inline constexpr std::string_view stats_feed_topic = "$stats";

class WebSocketApi {
 public:
  WebSocketApi(Relay& relay, const Access& access, Refusals& refusals)
      : relay_(relay), access_(access), refusals_(refusals) {}

  // The server's behaviors call these (see RelayApp).
  UpgradeDecision on_upgrade(const UpgradeRequest& req);
  void on_open(WebSocket ws);
  void on_message(WebSocket ws, std::string_view data, Opcode opcode);
  void on_close(WebSocket ws);

 private:
  Relay& relay_;
  const Access& access_;
  Refusals& refusals_;
};

}  // namespace sluice::relay
