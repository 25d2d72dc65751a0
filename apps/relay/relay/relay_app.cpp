#include "relay/relay_app.hpp"

#include <csignal>
#include <stdexcept>

#include "broker/redis_broker.hpp"
#include "config/units.hpp"
#include "operations/memory_limit.hpp"
#include "relay/broker_stats.hpp"
#include "relay/log_line.hpp"
#include "relay/server_options.hpp"
#include "relay/sources_api.hpp"
#include "sources/sources_json.hpp"

namespace sluice::relay {

namespace {

std::uint64_t resolve_memory_limit(const ServerConfig& c) {
  if (c.memory_limit) return *c.memory_limit;
  const MemorySizes sizes = read_memory_sizes();
  const std::uint64_t limit = default_memory_limit(sizes);
  log_line(LogLevel::info, "memory_limit {} ({})", format_size_approx(limit),
           describe_default_memory_limit(sizes));
  return limit;
}

}  // namespace

RelayApp::RelayApp(RelayConfig config, std::optional<std::string> config_path,
                   std::vector<SourceConfig> extra_sources)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      extra_sources_(std::move(extra_sources)),
      memory_limit_(resolve_memory_limit(config_.server)),
      access_(config_.server) {
  config_.sources.insert(config_.sources.end(), extra_sources_.begin(), extra_sources_.end());
  // The behaviors reach the WebSocket API through `this`: it exists before any connection does.
  sluice::Behaviors b;
  b.on_upgrade = [this](const UpgradeRequest& req) { return websocket_api_->on_upgrade(req); };
  b.on_open = [this](WebSocket ws) { websocket_api_->on_open(ws); };
  b.on_message = [this](WebSocket ws, std::string_view data, Opcode op) {
    websocket_api_->on_message(ws, data, op);
  };
  b.on_close = [this](WebSocket ws, std::uint16_t code, std::string_view) {
    websocket_api_->on_close(ws, code);
  };
  b.describe = [this](WebSocket ws) { return websocket_api_->describe(ws); };
  server_ = std::make_unique<sluice::Server>(engine_options(config_.server, memory_limit_), std::move(b));
  relay_ = std::make_unique<Relay>(*server_, config_);
  operations_ = std::make_unique<Operations>(*server_, *relay_, refusals_, config_, memory_limit_,
                                             [this] { return source_rows(); });
  if (config_.broker.type == BrokerType::redis) {
    // /readyz fails, and new subscribers and publishes are refused, while the broker is down.
    relay_->use_broker(
        std::make_unique<RedisBroker>(*server_, config_.broker),
        [this](const std::string& why) { operations_->readiness().set(ReadinessCheck::broker, why); });
  }
  websocket_api_ = std::make_unique<WebSocketApi>(*relay_, access_, refusals_, operations_->readiness(),
                                                  operations_->http_counts());
  http_api_ = std::make_unique<HttpApi>(*relay_, access_, refusals_, operations_->readiness(),
                                        operations_->http_counts(), [this] {
                                          std::string json = operations_->stats_json();
                                          add_broker_stats(json, *relay_);
                                          return json;
                                        });
  http_api_->install(*server_);
  // SIGINT and SIGTERM: /readyz fails for shutdown_delay, then the engine stops accepting,
  // sends 1001 to everyone and drains.
  operations_->install();
  server_->on_signal(SIGHUP, [this] { reload(); });
  install_sources_api(
      *server_, [this] { return sources_ ? sources_->statuses() : std::vector<SourceStatusSnapshot>{}; });
}

RelayApp::~RelayApp() {
  sources_.reset();  // before the server: children get their stop_grace
  operations_->stop();
}

std::vector<SourceRow> RelayApp::source_rows() const {
  std::vector<SourceRow> rows;
  if (sources_)
    for (const SourceStatusSnapshot& source : sources_->statuses()) rows.push_back(source_row(source));
  return rows;
}

void RelayApp::listen() {
  server_->listen();
  relay_->start_broker();
  sources_ = std::make_unique<SourceSet>(*server_, *relay_);
  sources_->start(config_.sources);
  operations_->start();
  // "listening on ws://HOST:PORT/" is what scripts read the port from (with listen port 0).
  const bool tls = config_.server.tls.enabled();
  log_line(LogLevel::info, "sluice relay listening on {0}://{2}:{3}/ and {1}://{2}:{3}/ ({4}; {5} thread{6})",
           tls ? "wss" : "ws", tls ? "https" : "http", config_.server.listen.host, server_->port(),
           config_path_ ? *config_path_ : "embedded default configuration", config_.server.threads,
           config_.server.threads == 1 ? "" : "s");
}

void RelayApp::run() { server_->run(); }

void RelayApp::reload() {
  if (!config_path_) {
    log_line(LogLevel::warn, "SIGHUP: no --config file to reload; the embedded defaults stay");
    return;
  }
  operations_->reloading();
  ConfigResult loaded = load_config_file(*config_path_);
  if (!loaded.ok()) {
    log_line(LogLevel::error, "reload refused, the running configuration stays: {}",
             loaded.error.to_string());
    operations_->reloaded(nullptr);
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
  operations_->reloaded(&next.server);
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
