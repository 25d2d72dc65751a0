// RelayApp: the running relay. It builds the engine's server from the configuration, installs
// the WebSocket and HTTP APIs and the operations side (metrics, health, the resource guard, the
// stats feed), starts the configured sources, reloads on SIGHUP and returns once SIGINT or
// SIGTERM has drained every connection.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "config/config.hpp"
#include "metrics/stats_json.hpp"
#include "relay/access.hpp"
#include "relay/http_api.hpp"
#include "relay/operations.hpp"
#include "relay/refusals.hpp"
#include "relay/relay.hpp"
#include "relay/websocket_api.hpp"
#include "sources/source_set.hpp"

namespace sluice::relay {

class RelayApp {
 public:
  // `config_path` is what SIGHUP re-reads (none: the embedded defaults, nothing to reload).
  // `extra_sources` run after the configuration's own (--demo's) and are kept by every reload.
  RelayApp(RelayConfig config, std::optional<std::string> config_path,
           std::vector<SourceConfig> extra_sources = {});
  ~RelayApp();

  // Binds the listener; throws std::system_error with a clear message when it cannot.
  void listen();
  void run();
  std::uint16_t port() const { return server_->port(); }
  void stop() { server_->stop(); }

 private:
  void reload();
  // SIGHUP: a TLS server reads its certificate files again (the ones the reloaded file names).
  void reload_certificates(const ServerTlsOptions& tls);
  // The running sources' rows for /stats and /metrics; empty when none runs.
  std::vector<SourceRow> source_rows() const;

  RelayConfig config_;
  std::optional<std::string> config_path_;
  std::vector<SourceConfig> extra_sources_;
  std::uint64_t memory_limit_;
  std::unique_ptr<sluice::Server> server_;
  std::unique_ptr<Relay> relay_;
  Access access_;
  Refusals refusals_;
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<WebSocketApi> websocket_api_;
  std::unique_ptr<HttpApi> http_api_;
  std::unique_ptr<SourceSet> sources_;  // from listen() on
};

}  // namespace sluice::relay
