// sluice-echo: echoes every message back with its opcode (text as text, binary as binary).
// The smallest complete sluice program, and the server the conformance suite runs against.
// Clients that connect to /broadcast instead form one room: every message one of them sends is
// published, encoded once, to all of them (the fan-out benchmark's server).
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "sluice/sluice.hpp"

namespace {

// Parsing lives in its own scope so its allocations are gone before the server starts.
bool parse_options(int argc, char** argv, sluice::ServerOptions& options, int& exit_code) {
  std::string log_level = "info";
  CLI::App app{"sluice-echo: a WebSocket echo server"};
  app.add_option("--host", options.host, "address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "port to listen on (0 picks a free one)")->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads, each with its own loop")
      ->capture_default_str();
  app.add_option("--max-message-size", options.max_message_size, "largest message in bytes (else 1009)")
      ->capture_default_str();
  app.add_option("--max-buffered-bytes", options.max_buffered_bytes, "cap on each connection's send queue")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return false;
  }
  sluice::LogLevel level;
  if (!sluice::parse_log_level(log_level, level)) {
    std::fprintf(stderr, "sluice-echo: unknown log level '%s'\n", log_level.c_str());
    exit_code = 2;
    return false;
  }
  sluice::set_log_level(level);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::ServerOptions options;
  options.port = 9001;
  // The conformance suite sends single messages of up to 16 MiB and expects them back.
  options.max_message_size = 16 * 1024 * 1024;
  options.max_buffered_bytes = 64 * 1024 * 1024;
  int exit_code = 0;
  if (!parse_options(argc, argv, options, exit_code)) return exit_code;
  malloc_trim(0);  // hand the parser's freed pages back: many small echo processes add up

  static int broadcast_tag;  // user data that marks a /broadcast connection
  sluice::Behaviors behaviors;
  behaviors.on_upgrade = [](const sluice::UpgradeRequest& req) {
    return sluice::UpgradeDecision::accept({}, req.path == "/broadcast" ? &broadcast_tag : nullptr);
  };
  behaviors.on_open = [](sluice::WebSocket ws) {
    if (ws.user_data() == &broadcast_tag) ws.subscribe("broadcast");
  };
  behaviors.on_message = [](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
    if (ws.user_data() == &broadcast_tag) {
      ws.publish("broadcast", data, opcode);
    } else {
      ws.send(data, opcode);
    }
  };

  try {
    sluice::Server server(options, behaviors);
    server.listen();
    std::printf("sluice-echo listening on ws://%s:%u/\n", options.host.c_str(), server.port());
    std::fflush(stdout);
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
