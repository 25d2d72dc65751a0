// Operations: what running the relay as a service takes, beside pub/sub itself. It owns the
// readiness checks, the HTTP request counts, /metrics, /healthz and /readyz, the resource
// guard's readings, the stats feed, the log line about slow consumers, the systemd
// notifications and the shutdown on SIGTERM or SIGINT (after shutdown_delay with /readyz
// failing). Its periodic work runs once a second on the server's first loop.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "config/config.hpp"
#include "metrics/stats_json.hpp"
#include "operations/readiness.hpp"
#include "relay/http_counts.hpp"
#include "relay/metrics_api.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"
#include "relay/resource_watch.hpp"
#include "relay/service_notifier.hpp"
#include "relay/timer_fd.hpp"

namespace sluice::relay {

class Operations {
 public:
  using SourceRows = std::function<std::vector<SourceRow>()>;

  // `memory_limit`: the resolved [server] memory_limit. `sources` lists the running sources'
  // figures (empty when none runs); any thread may call it.
  Operations(sluice::Server& server, const Relay& relay, const Refusals& refusals, const RelayConfig& config,
             std::uint64_t memory_limit, SourceRows sources);
  ~Operations();

  // Before listen(): the routes and the signal handlers.
  void install();
  // After listen(): the timers, and READY=1 once the loop runs.
  void start();
  // Before the server goes: stops the timers.
  void stop();

  // Around a SIGHUP reload: RELOADING=1 first, then READY=1 with the outcome. `applied` is
  // the new [server] table, or null when the file was refused.
  void reloading() const;
  void reloaded(const ServerConfig* applied);

  Readiness& readiness() { return readiness_; }
  HttpCounts& http_counts() { return http_; }
  std::string stats_json();
  StatsSnapshot snapshot();

 private:
  Figures figures() const;
  void tick();
  void log_drops(const ServerStats& s);
  void begin_shutdown(const char* signal_name);
  void watch(TimerFd& timer, std::function<void()> on_fire);

  sluice::Server& server_;
  const Relay& relay_;
  const Refusals& refusals_;
  bool metrics_enabled_;
  std::chrono::milliseconds shutdown_delay_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  SourceRows sources_;
  Readiness readiness_;
  HttpCounts http_;
  MetricsApi metrics_;
  ResourceWatch resources_;
  ServiceNotifier notifier_;
  std::array<std::uint64_t, slow_consumer_policy_count> dropped_before_{};
  bool shutting_down_ = false;
  std::unique_ptr<TimerFd> tick_, watchdog_, shutdown_;
};

// Metric label bounds from the configuration: the sources' names, and the topic patterns whose
// entries set metrics = true.
MetricBounds metric_bounds(const RelayConfig& config);

}  // namespace sluice::relay
