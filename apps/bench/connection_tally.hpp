// ConnectionTally: how a scenario's client connections fared (opened, never opened, opened and
// then closed before the end), kept per loop thread and summed for the report; and the hooks
// that count one connection in it, for a sluice::Client or a publisher.
#pragma once

#include <functional>

#include "json_line.hpp"
#include "sluice/client.hpp"

namespace sluice::bench {

struct ConnectionTally {
  int wanted = 0;  // connections this thread opens
  int opened = 0;
  int failed = 0;        // never opened
  int closed_early = 0;  // opened, then closed before the end

  // Every wanted connection has opened or failed to.
  bool settled() const { return opened + failed == wanted; }
  bool troubled() const { return failed > 0 || closed_early > 0; }
  ConnectionTally& operator+=(const ConnectionTally& other);
  // "connected", "connect_failures" and "closed_early".
  void add_to(JsonLine& json) const;
};

// One connection's two events. `settled` is called when it has opened, or ended without
// opening: whichever decides it.
struct TallyHooks {
  std::function<void()> on_open;
  std::function<void()> on_stopped;
};
TallyHooks tally_hooks(ConnectionTally& tally, std::function<void()> settled);

// A client's on_open and on_stopped, counted in `tally`.
void count_connection(sluice::ClientBehaviors& behaviors, ConnectionTally& tally,
                      std::function<void()> settled);

}  // namespace sluice::bench
