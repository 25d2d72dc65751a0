// sluice: the relay program. Reads its configuration (a TOML file, or the embedded defaults),
// applies the command line over it, and runs until SIGINT or SIGTERM.
//
//   sluice [--config FILE] [--listen HOST:PORT] [--threads N] [--demo] [--log-level L]
//          [--log-format text|json]
//   sluice --check-config FILE      exit 0 when valid; else FILE:LINE:COLUMN: why, exit 2
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "config/config.hpp"
#include "relay/relay_app.hpp"

namespace {

constexpr int kUsageError = 2;

int check_config(const std::string& path) {
  sluice::relay::ConfigResult r = sluice::relay::load_config_file(path);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error.to_string().c_str());
    return kUsageError;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluice: a pub/sub WebSocket relay"};
  std::optional<std::string> config_path, check_path, listen, log_level, log_format;
  std::optional<int> threads;
  bool demo = false;
  app.add_option("--config", config_path, "TOML configuration file (default: the embedded configuration)");
  app.add_option("--check-config", check_path,
                 "validate FILE and exit: 0 when valid, 2 with FILE:LINE:COLUMN");
  app.add_option("--listen", listen, "HOST:PORT to listen on, over [server] listen");
  app.add_option("--threads", threads, "worker threads, over [server] threads")->check(CLI::Range(1, 256));
  app.add_flag("--demo", demo, "add a demo source: 200 messages/s of 250 bytes to topic 'demo'");
  app.add_option("--log-level", log_level, "debug, info, warn, error or off (default info)");
  app.add_option("--log-format", log_format, "text, or json: one JSON object a line (default text)");
  app.footer(
      "Endpoints: ws://HOST:PORT/topics/NAME subscribes, POST /topics/NAME publishes; GET /topics,\n"
      "/metrics (Prometheus), /healthz, /readyz, /stats (JSON; /stats/ws every second), / (dashboard).\n"
      "Signals: SIGHUP reloads the --config file; SIGTERM and SIGINT fail /readyz for shutdown_delay,\n"
      "then drain the connections and exit 0. Exit status 1: could not start; 2: usage or configuration.\n"
      "Everything else: man sluice; every configuration key: the example sluice.toml.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (check_path) return check_config(*check_path);

  sluice::LogLevel level = sluice::LogLevel::info;
  if (log_level && !sluice::parse_log_level(*log_level, level)) {
    std::fprintf(stderr, "sluice: --log-level must be debug, info, warn, error or off\n");
    return kUsageError;
  }
  sluice::set_log_level(level);
  sluice::LogFormat format = sluice::LogFormat::text;
  if (log_format && !sluice::parse_log_format(*log_format, format)) {
    std::fprintf(stderr, "sluice: --log-format must be text or json\n");
    return kUsageError;
  }
  sluice::set_log_format(format);

  sluice::relay::RelayConfig config;
  if (config_path) {
    sluice::relay::ConfigResult r = sluice::relay::load_config_file(*config_path);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error.to_string().c_str());
      return kUsageError;
    }
    config = std::move(*r.config);
  } else {
    config = sluice::relay::default_config();
  }
  if (listen) {
    auto endpoint = sluice::relay::parse_endpoint(*listen);
    if (!endpoint.ok()) {
      std::fprintf(stderr, "sluice: --listen %s: %s\n", listen->c_str(), endpoint.error().c_str());
      return kUsageError;
    }
    config.server.listen = endpoint.value();
  }
  if (threads) config.server.threads = *threads;
  std::vector<sluice::relay::SourceConfig> extra_sources;
  if (demo) {
    sluice::relay::SourceConfig source;
    source.name = "demo";
    source.topic = "demo";
    source.settings = sluice::relay::DemoSource{};
    extra_sources.push_back(std::move(source));
  }

  try {
    sluice::relay::RelayApp relay(std::move(config), config_path, std::move(extra_sources));
    relay.listen();
    relay.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice: %s\n", e.what());
    sluice::flush_log(1000);
    return 1;
  }
  sluice::flush_log(1000);
  return 0;
}
