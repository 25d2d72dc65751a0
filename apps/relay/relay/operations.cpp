#include "relay/operations.hpp"

#include <csignal>

#include "metrics/process_metrics.hpp"
#include "relay/health.hpp"
#include "relay/log_line.hpp"
#include "relay/relay_stats.hpp"
#include "relay/websocket_api.hpp"

namespace sluice::relay {
namespace {

constexpr std::chrono::milliseconds kTick{1000};

std::uint64_t fds_open_now() { return read_process_sample().open_fds.value_or(0); }

}  // namespace

MetricBounds metric_bounds(const RelayConfig& config) {
  MetricBounds b;
  for (const SourceConfig& s : config.sources) b.sources.push_back(s.name);
  for (const TopicConfig& t : config.topics) {
    if (t.metrics) b.topic_patterns.push_back(t.match);
  }
  return b;
}

Operations::Operations(sluice::Server& server, const Relay& relay, const Refusals& refusals,
                       const RelayConfig& config, std::uint64_t memory_limit, SourceRows sources)
    : server_(server),
      relay_(relay),
      refusals_(refusals),
      metrics_enabled_(config.server.metrics),
      shutdown_delay_(config.server.shutdown_delay),
      sources_(std::move(sources)),
      metrics_(metric_bounds(config)),
      resources_({memory_limit, config.server.max_connections, open_file_limit()}, fds_open_now(),
                 readiness_) {}

Operations::~Operations() = default;

void Operations::install() {
  if (metrics_enabled_) {
    server_.route("/metrics", http_.counted(HttpRoute::metrics, [this](const HttpRequest&) {
      return HttpResponse{200, std::string(prometheus_content_type), metrics_.text(figures(), http_)};
    }));
  }
  server_.route("/healthz", http_.counted(HttpRoute::healthz,
                                          [this](const HttpRequest&) { return healthz(server_.stats()); }));
  server_.route("/readyz",
                http_.counted(HttpRoute::readyz, [this](const HttpRequest&) { return readyz(readiness_); }));
  // The engine's own handling would close the listener at once; a load balancer is told first.
  server_.on_signal(SIGTERM, [this] { begin_shutdown("SIGTERM"); });
  server_.on_signal(SIGINT, [this] { begin_shutdown("SIGINT"); });
}

void Operations::watch(TimerFd& timer, std::function<void()> on_fire) {
  server_.watch(timer.fd(), [&timer, on_fire = std::move(on_fire)] {
    if (timer.consume()) on_fire();
  });
}

void Operations::start() {
  tick_ = std::make_unique<TimerFd>();
  tick_->arm(kTick, kTick);
  watch(*tick_, [this] { tick(); });
  if (auto every = notifier_.watchdog_interval()) {
    watchdog_ = std::make_unique<TimerFd>();
    watchdog_->arm(*every, *every);
    watch(*watchdog_, [this] {
      // Only while every worker loop turns: a wedged one lets systemd restart the relay.
      if (std::chrono::milliseconds(server_.stats().loop_silence_ms) < notifier_.watchdog_timeout())
        notifier_.watchdog();
    });
  }
  server_.post([this] { notifier_.ready("serving on port " + std::to_string(server_.port())); });
}

void Operations::stop() {
  for (TimerFd* t : {tick_.get(), watchdog_.get(), shutdown_.get()}) {
    if (t) server_.unwatch(t->fd());
  }
}

void Operations::reloading() const { notifier_.reloading(); }

void Operations::reloaded(const ServerConfig* applied) {
  if (applied) shutdown_delay_ = applied->shutdown_delay;
  notifier_.ready(applied ? "configuration reloaded" : "reload refused; the running configuration stays");
}

Figures Operations::figures() const {
  Figures f;
  f.engine = server_.stats();
  for (Publisher who : {Publisher::http, Publisher::client, Publisher::source})
    f.received[static_cast<std::size_t>(origin_of(who))] = relay_.received(who);
  f.published = relay_.published_total();
  f.memory_limit = resources_.limits().memory;
  f.memory_used = f.engine.memory_bytes + relay_.history_bytes();
  for (std::size_t r = 0; r < resource_count; ++r)
    f.pressure[r] = resources_.pressure(static_cast<Resource>(r));
  if (auto why = readiness_.not_ready()) {
    f.ready = false;
    f.not_ready_reason = *why;
  }
  f.sources = sources_();
  f.topics = relay_.topics();
  return f;
}

StatsSnapshot Operations::snapshot() {
  StatsSnapshot s;
  s.time = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  s.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const Figures f = figures();
  metrics_.fill_totals(f, http_, s);
  fill_snapshot_rows(s, f, server_.connections(stats_connection_rows));
  const auto refused = refusals_.totals();
  for (std::size_t i = 0; i < refused.size(); ++i)
    s.refused.emplace_back(to_string(static_cast<RefusalReason>(i)), refused[i]);
  s.refused.emplace_back("over_limit", f.engine.connections_refused);  // the engine's 503s
  return s;
}

std::string Operations::stats_json() { return relay::stats_json(snapshot()); }

void Operations::tick() {
  const ServerStats s = server_.stats();
  resources_.update(s, s.memory_bytes + relay_.history_bytes());
  log_drops(s);
  server_.publish(stats_feed_topic, stats_json(), Opcode::text);
}

void Operations::log_drops(const ServerStats& s) {
  std::vector<LogField> fields;
  for (std::size_t p = 0; p < slow_consumer_policy_count; ++p) {
    const std::uint64_t now = s.messages_dropped_by_policy[p];
    if (now > dropped_before_[p])
      fields.emplace_back(to_string(static_cast<SlowConsumerPolicy>(p)), now - dropped_before_[p]);
    dropped_before_[p] = now;
  }
  if (!fields.empty())
    write_log(LogLevel::warn, "slow consumers: messages dropped in the last second, by policy", fields);
}

void Operations::begin_shutdown(const char* signal_name) {
  if (shutting_down_ || shutdown_delay_.count() == 0) {
    log_line(LogLevel::info, "received {}; shutting down", signal_name);
    readiness_.set(ReadinessCheck::shutdown, "shutting down");
    notifier_.stopping();
    server_.stop();
    return;
  }
  shutting_down_ = true;
  readiness_.set(ReadinessCheck::shutdown, "shutting down");
  notifier_.stopping();
  log_line(LogLevel::info, "received {}; /readyz fails for {} ms, then the relay stops", signal_name,
           shutdown_delay_.count());
  shutdown_ = std::make_unique<TimerFd>();
  shutdown_->arm(shutdown_delay_);
  watch(*shutdown_, [this] { server_.stop(); });
}

}  // namespace sluice::relay
