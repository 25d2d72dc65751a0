// sluice-echo: echoes every message back with its opcode (text as text, binary as binary).
// The smallest complete sluice program, and the server the conformance suite runs against.
// Clients that connect to /broadcast instead form one room: every message one of them sends is
// published, encoded once, to all of them (the fan-out benchmark's server). With --tls-cert and
// --tls-key it serves wss:// instead (repeat the pair for more certificates, picked by SNI), and
// reads the certificate files again on SIGHUP.
#include <malloc.h>

#include <getopt.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <vector>

#include "sluice/sluice.hpp"

namespace {

void usage(FILE* to) {
  std::fprintf(to,
               "usage: sluice-echo [--host H] [--port P] [--threads N] [--max-message-size B]\n"
               "                   [--max-buffered-bytes B] [--max-total-buffered-bytes B]\n"
               "                   [--policy close|drop_newest|drop_oldest|latest|backpressure]\n"
               "                   [--max-connections N] [--max-connections-per-ip N] [--max-handshakes N]\n"
               "                   [--tls-cert FILE --tls-key FILE [--tls-key-passphrase-file FILE]]...\n"
               "                   [--kernel-tls] [--compression off|shared|dedicated]\n"
               "                   [--log-level debug|info|warn|error|off]\n");
}

bool parse_size(const char* text, std::size_t& out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0') return false;
  out = static_cast<std::size_t>(v);
  return true;
}

// getopt_long rather than CLI11 here: CLI11 brings iostreams, whose static initialisation costs
// every process ~20 KiB of private memory, and this program is the one run fifty at a time.
bool parse_options(int argc, char** argv, sluice::ServerOptions& options, int& exit_code) {
  static const option kOptions[] = {{"host", required_argument, nullptr, 'h'},
                                    {"port", required_argument, nullptr, 'p'},
                                    {"threads", required_argument, nullptr, 't'},
                                    {"max-message-size", required_argument, nullptr, 'm'},
                                    {"max-buffered-bytes", required_argument, nullptr, 'b'},
                                    {"max-total-buffered-bytes", required_argument, nullptr, 'B'},
                                    {"policy", required_argument, nullptr, 'P'},
                                    {"max-connections", required_argument, nullptr, 'c'},
                                    {"max-connections-per-ip", required_argument, nullptr, 'i'},
                                    {"max-handshakes", required_argument, nullptr, 'H'},
                                    {"tls-cert", required_argument, nullptr, 'C'},
                                    {"tls-key", required_argument, nullptr, 'K'},
                                    {"tls-key-passphrase-file", required_argument, nullptr, 'W'},
                                    {"kernel-tls", no_argument, nullptr, 'T'},
                                    {"compression", required_argument, nullptr, 'Z'},
                                    {"log-level", required_argument, nullptr, 'l'},
                                    {"help", no_argument, nullptr, '?'},
                                    {nullptr, 0, nullptr, 0}};
  exit_code = 2;
  std::size_t n = 0;
  std::vector<sluice::TlsCertificate>& certs = options.tls.certificates;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    bool ok = true;
    switch (c) {
      case 'h': options.host = optarg; break;
      case 'p': ok = parse_size(optarg, n) && n <= 65535, options.port = static_cast<std::uint16_t>(n); break;
      case 't':
        ok = parse_size(optarg, n) && n >= 1 && n <= 256, options.threads = static_cast<int>(n);
        break;
      case 'm': ok = parse_size(optarg, options.max_message_size); break;
      case 'b': ok = parse_size(optarg, options.max_buffered_bytes); break;
      case 'B': ok = parse_size(optarg, options.max_total_buffered_bytes); break;
      case 'P': {
        auto policy = sluice::parse_policy(optarg);
        ok = policy.has_value();
        if (ok) options.policy = *policy;
        break;
      }
      case 'c': ok = parse_size(optarg, options.max_connections); break;
      case 'i': ok = parse_size(optarg, options.max_connections_per_ip); break;
      case 'H': ok = parse_size(optarg, options.max_handshakes); break;
      // Each --tls-cert starts a certificate; the options after it complete that one.
      case 'C': certs.push_back({optarg, "", ""}); break;
      case 'K':
        ok = !certs.empty() && certs.back().key_file.empty();
        if (ok) certs.back().key_file = optarg;
        break;
      case 'W':
        ok = !certs.empty();
        if (ok) certs.back().key_passphrase_file = optarg;
        break;
      case 'T': options.tls.kernel_tls = true; break;
      case 'Z': {
        ok = sluice::parse_compression(optarg, options.compression);
        break;
      }
      case 'l': {
        sluice::LogLevel level;
        ok = sluice::parse_log_level(optarg, level);
        if (ok) sluice::set_log_level(level);
        break;
      }
      default: usage(stderr); return false;
    }
    if (!ok) {
      std::fprintf(stderr, "sluice-echo: bad value '%s'\n", optarg);
      usage(stderr);
      return false;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "sluice-echo: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return false;
  }
  for (const sluice::TlsCertificate& cert : certs) {
    if (cert.key_file.empty()) {
      std::fprintf(stderr, "sluice-echo: --tls-cert %s has no --tls-key after it\n", cert.cert_file.c_str());
      usage(stderr);
      return false;
    }
  }
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
  sluice::use_one_heap();
  sluice::FdLimit fds = sluice::raise_fd_limit();
  if (sluice::log_level() <= sluice::LogLevel::info) {
    std::fprintf(stderr, "sluice-echo: open files: soft limit %llu, raised from %llu (hard limit %llu)\n",
                 static_cast<unsigned long long>(fds.soft), static_cast<unsigned long long>(fds.soft_before),
                 static_cast<unsigned long long>(fds.hard));
  }

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
    if (options.tls.enabled()) {
      // SIGHUP reads the certificate files again; open connections keep the ones they began with.
      server.on_signal(SIGHUP, [&server] {
        try {
          server.reload_tls();
          std::fprintf(stderr, "sluice-echo: reloaded the TLS certificates\n");
        } catch (const std::exception& e) {
          std::fprintf(stderr, "sluice-echo: reload refused, the running certificates stay: %s\n", e.what());
        }
      });
    }
    server.listen();
    std::printf("sluice-echo listening on %s://%s:%u/\n", options.tls.enabled() ? "wss" : "ws",
                options.host.c_str(), server.port());
    std::fflush(stdout);
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
