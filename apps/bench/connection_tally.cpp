#include "connection_tally.hpp"

#include <memory>
#include <utility>

namespace sluice::bench {

ConnectionTally& ConnectionTally::operator+=(const ConnectionTally& other) {
  wanted += other.wanted;
  opened += other.opened;
  failed += other.failed;
  closed_early += other.closed_early;
  return *this;
}

void ConnectionTally::add_to(JsonLine& json) const {
  json.add("connected", opened).add("connect_failures", failed).add("closed_early", closed_early);
}

TallyHooks tally_hooks(ConnectionTally& tally, std::function<void()> settled) {
  auto opened = std::make_shared<bool>(false);
  auto shared_settled = std::make_shared<std::function<void()>>(std::move(settled));
  return {
      [&tally, opened, shared_settled] {
        *opened = true;
        ++tally.opened;
        (*shared_settled)();
      },
      [&tally, opened, shared_settled] {
        if (*opened) {
          ++tally.closed_early;
          return;
        }
        ++tally.failed;
        (*shared_settled)();
      },
  };
}

void count_connection(sluice::ClientBehaviors& behaviors, ConnectionTally& tally,
                      std::function<void()> settled) {
  TallyHooks hooks = tally_hooks(tally, std::move(settled));
  behaviors.on_open = [open = std::move(hooks.on_open)](sluice::ClientWebSocket) { open(); };
  behaviors.on_stopped = std::move(hooks.on_stopped);
}

}  // namespace sluice::bench
