#include "relay/relay_app.hpp"

#include <csignal>
#include <stdexcept>

#include "config/units.hpp"
#include "operations/memory_limit.hpp"
#include "relay/log_line.hpp"
#include "relay/server_options.hpp"

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

RelayApp::RelayApp(RelayConfig config, std::optional<std::string> config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      memory_limit_(resolve_memory_limit(config_.server)),
      access_(config_.server) {
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
  operations_ = std::make_unique<Operations>(*server_, *relay_, config_, memory_limit_,
                                             [this] { return source_rows(); });
  websocket_api_ =
      std::make_unique<WebSocketApi>(*relay_, access_, operations_->readiness(), operations_->http_counts());
  http_api_ =
      std::make_unique<HttpApi>(*relay_, access_, operations_->readiness(), operations_->http_counts(),
                                [this] { return operations_->stats_json(); });
  http_api_->install(*server_);
  // SIGINT and SIGTERM: /readyz fails for shutdown_delay, then the engine stops accepting,
  // sends 1001 to everyone and drains.
  operations_->install();
  server_->on_signal(SIGHUP, [this] { reload(); });
  for (const SourceConfig& s : config_.sources) {
    if (s.type() != SourceType::demo)
      throw std::runtime_error(config_.origin + ": source '" + s.name + "': type " +
                               std::string(to_string(s.type())) +
                               " is not available in this build yet; only demo sources run");
    generators_.push_back(
        std::make_unique<DemoGenerator>(*relay_, s.name, s.topic, std::get<DemoSource>(s.settings)));
  }
}

RelayApp::~RelayApp() {
  for (auto& g : generators_) g->stop();
  operations_->stop();
}

std::vector<SourceRow> RelayApp::source_rows() const {
  std::vector<SourceRow> rows;
  for (const auto& g : generators_) rows.push_back(g->row());
  return rows;
}

void RelayApp::listen() {
  server_->listen();
  for (auto& g : generators_) g->start(*server_);
  operations_->start();
  log_line(LogLevel::info, "sluice relay on http://{}:{}/ ({}; {} thread{})", config_.server.listen.host,
           server_->port(), config_path_ ? *config_path_ : "embedded default configuration",
           config_.server.threads, config_.server.threads == 1 ? "" : "s");
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
  const std::size_t sources = next.sources.size();
  config_.topics = std::move(next.topics);
  config_.server.allowed_origins = next.server.allowed_origins;
  config_.server.api_key = next.server.api_key;
  config_.server.http_publish_from = next.server.http_publish_from;
  log_line(LogLevel::info, "reloaded {}: {} topic entr{}, {} source{} (sources change at the next start)",
           *config_path_, config_.topics.size(), config_.topics.size() == 1 ? "y" : "ies", sources,
           sources == 1 ? "" : "s");
  operations_->reloaded(&next.server);
}

}  // namespace sluice::relay
