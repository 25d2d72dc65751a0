// TlsEchoServer: a sluice::Server with TLS on a loopback port, echoing every message, for the
// TLS tests of the client and of the server.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "support/server_thread.hpp"

namespace sluice_tls_test {

class TlsEchoServer {
 public:
  explicit TlsEchoServer(sluice::ServerTlsOptions tls,
                         const std::function<void(sluice::ServerOptions&)>& adjust = {})
      : thread_(options(std::move(tls), adjust), behaviors()) {}
  std::uint16_t port() const { return thread_.port(); }
  std::string url(const std::string& host = "127.0.0.1") const {
    return "wss://" + host + ":" + std::to_string(port()) + "/";
  }
  sluice_test::ServerThread& thread() { return thread_; }

  std::atomic<int> opens{0};
  std::atomic<int> closes{0};

 private:
  static sluice::ServerOptions options(sluice::ServerTlsOptions tls,
                                       const std::function<void(sluice::ServerOptions&)>& adjust) {
    sluice::ServerOptions o = sluice_test::test_options();
    o.tls = std::move(tls);
    o.max_buffered_bytes = 64 * 1024 * 1024;
    if (adjust) adjust(o);
    return o;
  }
  sluice::Behaviors behaviors() {
    sluice::Behaviors b;
    b.on_open = [this](sluice::WebSocket) { opens.fetch_add(1); };
    b.on_message = [](sluice::WebSocket ws, std::string_view data, sluice::Opcode op) { ws.send(data, op); };
    b.on_close = [this](sluice::WebSocket, std::uint16_t, std::string_view) { closes.fetch_add(1); };
    return b;
  }

  sluice_test::ServerThread thread_;  // last: stops before the counters go
};

}  // namespace sluice_tls_test
