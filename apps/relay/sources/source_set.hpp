// SourceSet: the relay's running sources. It owns the sources' poller on the server's first
// loop, starts the configured sources, applies a reload's SourceDiff (removed sources stop,
// changed ones stop and start anew with their new settings, added ones start; the others and
// every subscriber are left alone), and stops them all at exit. Statuses are readable from any
// thread, in configuration order, for GET /sources and the stats snapshot.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <sluice/sluice.hpp>

#include "relay/relay.hpp"
#include "sources/source.hpp"
#include "sources/source_diff.hpp"
#include "sources/source_poller.hpp"
#include "sources/source_timer.hpp"

namespace sluice::relay {

class SourceSet {
 public:
  // After Server::listen(); on the thread that will run the loops, or on the first loop.
  SourceSet(sluice::Server& server, Relay& relay);
  // Stops every source, waiting for children within their stop_grace (the loops have ended).
  ~SourceSet();
  SourceSet(const SourceSet&) = delete;
  SourceSet& operator=(const SourceSet&) = delete;

  void start(const std::vector<SourceConfig>& configs);
  // A reload, on the first loop. Returns what it changed.
  SourceDiff apply(const std::vector<SourceConfig>& next);

  // Any thread.
  std::vector<SourceStatusSnapshot> statuses() const;

 private:
  Source* find(const std::string& name) const;
  void retire(std::unique_ptr<Source> source, std::function<void()> then);
  void publish_statuses();
  void sample_rates();

  SourcePoller poller_;
  SourceContext context_;
  SourceTimer rate_timer_;
  std::vector<std::unique_ptr<Source>> running_;   // in configuration order
  std::vector<std::unique_ptr<Source>> retiring_;  // stopping: children given their grace
  mutable std::mutex statuses_mutex_;
  std::vector<std::shared_ptr<SourceStatus>> statuses_;
};

}  // namespace sluice::relay
