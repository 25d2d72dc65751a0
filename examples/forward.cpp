// sluice-forward: the radio-gateway shape. Every UDP datagram received on 127.0.0.1:U becomes
// one binary message to every connected WebSocket client; or, with --stdin, a byte stream is
// forwarded in chunks. Memory stays bounded whatever the clients do: each client's queue is
// capped and --policy says what happens at the cap. Under --policy backpressure the stdin
// reader pauses while any client lacks room, so a stream is forwarded without loss at the pace
// of the slowest client. Counters are printed on SIGUSR1 and at exit.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <vector>

#include "sluice/sluice.hpp"

namespace {

constexpr std::string_view kTopic = "forward";

void print_stats(const sluice::ServerStats& s) {
  std::fprintf(
      stderr,
      "sluice-forward: connections_open=%llu accepted=%llu closed_by_policy=%llu messages_sent=%llu "
      "bytes_sent=%llu messages_dropped=%llu bytes_dropped=%llu sends_refused=%llu buffered_bytes=%zu "
      "buffered_high_water=%zu\n",
      static_cast<unsigned long long>(s.connections_open),
      static_cast<unsigned long long>(s.connections_accepted),
      static_cast<unsigned long long>(s.connections_closed_by_policy),
      static_cast<unsigned long long>(s.messages_sent), static_cast<unsigned long long>(s.bytes_sent),
      static_cast<unsigned long long>(s.messages_dropped), static_cast<unsigned long long>(s.bytes_dropped),
      static_cast<unsigned long long>(s.sends_refused), s.buffered_bytes, s.buffered_high_water);
}

int open_udp(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("sluice-forward: udp socket");
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::ServerOptions options;
  options.port = 9001;
  std::uint16_t udp_port = 0;
  bool use_stdin = false;
  std::string policy_name = "close";
  std::size_t chunk_size = 4096;
  std::string log_level = "info";

  CLI::App app{"sluice-forward: forwards UDP datagrams or a stdin stream to every WebSocket client"};
  app.add_option("--host", options.host, "WebSocket listen address")->capture_default_str();
  app.add_option("--port", options.port, "WebSocket port (0 picks a free one)")->capture_default_str();
  auto* udp = app.add_option("--udp", udp_port, "UDP port on 127.0.0.1 to receive datagrams on");
  auto* in = app.add_flag("--stdin", use_stdin, "forward standard input as a byte stream instead");
  udp->excludes(in);
  app.add_option("--policy", policy_name, "close, drop_newest, drop_oldest, latest or backpressure")
      ->capture_default_str();
  app.add_option("--max-buffered-bytes", options.max_buffered_bytes, "cap on each client's send queue")
      ->capture_default_str();
  app.add_option("--chunk-size", chunk_size, "bytes per message in --stdin mode")->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto policy = sluice::parse_policy(policy_name.c_str());
  sluice::LogLevel level;
  if (!policy || !sluice::parse_log_level(log_level, level) || (udp_port == 0 && !use_stdin) ||
      chunk_size == 0) {
    std::fprintf(stderr, "sluice-forward: need --udp PORT or --stdin, a valid --policy and --log-level\n");
    return 2;
  }
  sluice::set_log_level(level);
  options.policy = *policy;
  options.low_watermark = options.max_buffered_bytes / 2;

  std::vector<sluice::WebSocket> clients;
  bool stdin_paused = false;
  sluice::Server* server_ptr = nullptr;
  // A chunk may be read only when every client can take it whole: then no send is refused.
  const std::size_t chunk_cost = sluice::queued_message_cost(chunk_size);
  auto room_for_all = [&] {
    for (const auto& c : clients)
      if (c.buffered_memory() > 0 && c.buffered_memory() + chunk_cost > options.max_buffered_bytes)
        return false;
    return true;
  };

  sluice::Behaviors behaviors;
  behaviors.on_open = [&](sluice::WebSocket ws) {
    ws.subscribe(kTopic);
    clients.push_back(ws);
    if (use_stdin && clients.size() == 1 && stdin_paused) {
      stdin_paused = false;  // a stream waits for its first reader
      server_ptr->set_paused(STDIN_FILENO, false);
    }
  };
  behaviors.on_close = [&](sluice::WebSocket ws, std::uint16_t, std::string_view) {
    std::erase(clients, ws);
    if (stdin_paused && !clients.empty() && room_for_all()) {
      stdin_paused = false;
      server_ptr->set_paused(STDIN_FILENO, false);
    }
  };
  behaviors.on_drain = [&](sluice::WebSocket) {
    if (stdin_paused && room_for_all()) {
      stdin_paused = false;
      server_ptr->set_paused(STDIN_FILENO, false);
    }
  };

  try {
    sluice::Server server(options, behaviors);
    server_ptr = &server;
    server.listen();
    std::vector<char> buf(use_stdin ? chunk_size : 65536);

    if (use_stdin) {
      struct stat st {};
      if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
        std::fprintf(stderr,
                     "sluice-forward: --stdin needs a pipe or socket (epoll cannot watch a file): cat FILE | "
                     "sluice-forward --stdin\n");
        return 2;
      }
      ::fcntl(STDIN_FILENO, F_SETFL, ::fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
      server.watch(STDIN_FILENO, [&] {
        ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
        if (n > 0) {
          server.publish(kTopic, {buf.data(), static_cast<std::size_t>(n)});
          if (options.policy == sluice::SlowConsumerPolicy::backpressure && !room_for_all()) {
            stdin_paused = true;
            server.set_paused(STDIN_FILENO, true);
          }
        } else if (n == 0 || errno != EAGAIN) {
          server.unwatch(STDIN_FILENO);  // end of input: keep serving until stopped
        }
      });
      stdin_paused = true;
      server.set_paused(STDIN_FILENO, true);
    } else {
      int fd = open_udp(udp_port);
      server.watch(fd, [&, fd] {
        // A bounded batch per wake-up; the rest waits for the next loop turn.
        for (int i = 0; i < 256; ++i) {
          ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
          if (n < 0) return;
          server.publish(kTopic, {buf.data(), static_cast<std::size_t>(n)});
        }
      });
    }
    server.on_signal(SIGUSR1, [&] { print_stats(server.stats()); });
    std::printf("sluice-forward listening on ws://%s:%u/ (%s, policy %s)\n", options.host.c_str(),
                server.port(), use_stdin ? "stdin" : ("udp 127.0.0.1:" + std::to_string(udp_port)).c_str(),
                sluice::to_string(options.policy));
    std::fflush(stdout);
    server.run();
    print_stats(server.stats());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice-forward: %s\n", e.what());
    return 1;
  }
  return 0;
}
