#include "relay/broker_stats.hpp"

#include "http/json_writer.hpp"

namespace sluice::relay {

void add_broker_stats(std::string& stats_json, const Relay& relay) {
  const std::optional<BrokerFigures> f = relay.broker_figures();
  if (!f || stats_json.empty() || stats_json.back() != '}') return;
  const BrokerCounts c = relay.broker_counts();
  stats_json.pop_back();
  stats_json += ",\"broker\":";
  JsonWriter w(stats_json);
  w.begin_object()
      .key("state")
      .value(f->shards_up == f->shards ? "up" : "down")
      .key("shards")
      .value(f->shards)
      .key("shards_up")
      .value(f->shards_up)
      .key("reconnects")
      .value(f->reconnects)
      .key("published")
      .value(f->published)
      .key("publish_failed")
      .value(c.publish_failed)
      .key("received")
      .value(f->received)
      .key("delivered")
      .value(c.delivered)
      .key("duplicates")
      .value(c.duplicates)
      .key("repairs")
      .value(c.repairs)
      .key("repaired")
      .value(c.repaired)
      .key("gaps")
      .value(c.gaps)
      .key("resets")
      .value(c.resets)
      .key("dropped")
      .value(c.dropped)
      .key("probes_failed")
      .value(f->probes_failed)
      .key("lag_ms")
      .value(c.lag_ms)
      .end_object();
  stats_json += '}';
}

}  // namespace sluice::relay
