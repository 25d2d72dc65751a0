#include "relay/relay_app.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <system_error>

#include "relay/log_line.hpp"
#include "relay/relay_stats.hpp"
#include "relay/server_options.hpp"
#include "relay/sources_api.hpp"
#include "sources/sources_json.hpp"

namespace sluice::relay {

namespace {

int make_timer(std::chrono::milliseconds every) {
  int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
  itimerspec spec{};
  spec.it_interval.tv_sec = every.count() / 1000;
  spec.it_interval.tv_nsec = (every.count() % 1000) * 1'000'000;
  spec.it_value = spec.it_interval;
  ::timerfd_settime(fd, 0, &spec, nullptr);
  return fd;
}

}  // namespace

RelayApp::RelayApp(RelayConfig config, std::optional<std::string> config_path,
                   std::vector<SourceConfig> extra_sources)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      extra_sources_(std::move(extra_sources)),
      access_(config_.server) {
  config_.sources.insert(config_.sources.end(), extra_sources_.begin(), extra_sources_.end());
  // The behaviors reach the WebSocket API through `this`: it exists before any connection does.
  sluice::Behaviors b;
  b.on_upgrade = [this](const UpgradeRequest& req) { return websocket_api_->on_upgrade(req); };
  b.on_open = [this](WebSocket ws) { websocket_api_->on_open(ws); };
  b.on_message = [this](WebSocket ws, std::string_view data, Opcode op) {
    websocket_api_->on_message(ws, data, op);
  };
  b.on_close = [this](WebSocket ws, std::uint16_t, std::string_view) { websocket_api_->on_close(ws); };
  // The engine handles SIGINT and SIGTERM: stop accepting, 1001 to everyone, drain, return.
  server_ = std::make_unique<sluice::Server>(engine_options(config_.server), std::move(b));
  relay_ = std::make_unique<Relay>(*server_, config_);
  websocket_api_ = std::make_unique<WebSocketApi>(*relay_, access_, refusals_);
  http_api_ =
      std::make_unique<HttpApi>(*relay_, access_, refusals_, [this] { return stats_json(snapshot()); });
  http_api_->install(*server_);
  server_->on_signal(SIGHUP, [this] { reload(); });
  install_sources_api(
      *server_, [this] { return sources_ ? sources_->statuses() : std::vector<SourceStatusSnapshot>{}; });
}

RelayApp::~RelayApp() {
  sources_.reset();  // before the server: children get their stop_grace
  if (stats_timer_ >= 0) {
    server_->unwatch(stats_timer_);
    ::close(stats_timer_);
  }
}

void RelayApp::listen() {
  server_->listen();
  sources_ = std::make_unique<SourceSet>(*server_, *relay_);
  sources_->start(config_.sources);
  stats_timer_ = make_timer(std::chrono::milliseconds(1000));
  server_->watch(stats_timer_, [this] { publish_stats(); });
  // "listening on ws://HOST:PORT/" is what scripts read the port from (with listen port 0).
  const bool tls = config_.server.tls.enabled();
  log_line(LogLevel::info, "sluice relay listening on {0}://{2}:{3}/ and {1}://{2}:{3}/ ({4}; {5} thread{6})",
           tls ? "wss" : "ws", tls ? "https" : "http", config_.server.listen.host, server_->port(),
           config_path_ ? *config_path_ : "embedded default configuration", config_.server.threads,
           config_.server.threads == 1 ? "" : "s");
}

void RelayApp::run() { server_->run(); }

void RelayApp::publish_stats() {
  std::uint64_t expirations = 0;
  if (::read(stats_timer_, &expirations, sizeof expirations) != sizeof expirations) return;
  server_->publish(stats_feed_topic, stats_json(snapshot()), Opcode::text);
}

StatsSnapshot RelayApp::snapshot() const {
  StatsSnapshot s = take_snapshot(*server_, *relay_, refusals_, started_);
  if (sources_)
    for (const SourceStatusSnapshot& source : sources_->statuses()) s.sources.push_back(source_row(source));
  return s;
}

void RelayApp::reload() {
  if (!config_path_) {
    log_line(LogLevel::warn, "SIGHUP: no --config file to reload; the embedded defaults stay");
    return;
  }
  ConfigResult loaded = load_config_file(*config_path_);
  if (!loaded.ok()) {
    log_line(LogLevel::error, "reload refused, the running configuration stays: {}",
             loaded.error.to_string());
    return;
  }
  RelayConfig& next = *loaded.config;
  std::string fixed = settings_needing_restart(config_.server, next.server);
  if (!fixed.empty())
    log_line(LogLevel::warn, "reload: {} changed; these take effect at the next start", fixed);
  relay_->apply(next);
  access_.apply(next.server);
  reload_certificates(next.server.tls);
  next.sources.insert(next.sources.end(), extra_sources_.begin(), extra_sources_.end());
  const SourceDiff diff = sources_->apply(next.sources);
  config_.sources = next.sources;
  config_.topics = std::move(next.topics);
  config_.server.allowed_origins = next.server.allowed_origins;
  config_.server.api_key = next.server.api_key;
  config_.server.http_publish_from = next.server.http_publish_from;
  log_line(LogLevel::info, "reloaded {}: {} topic entr{}; sources: {} added, {} changed, {} removed, {} kept",
           *config_path_, config_.topics.size(), config_.topics.size() == 1 ? "y" : "ies", diff.added.size(),
           diff.replaced.size(), diff.removed.size(), diff.kept.size());
}

void RelayApp::reload_certificates(const ServerTlsOptions& tls) {
  if (!config_.server.tls.enabled() || !tls.enabled() || tls.kernel_tls != config_.server.tls.kernel_tls)
    return;
  try {
    server_->reload_tls(tls);  // new connections get them; open ones keep theirs
    config_.server.tls.certificates = tls.certificates;
  } catch (const std::exception& e) {
    log_line(LogLevel::error, "reload: the running TLS certificates stay: {}", e.what());
  }
}

}  // namespace sluice::relay
