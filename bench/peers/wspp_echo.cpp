// peer-wspp-echo: a WebSocket echo server on websocketpp (Debian's libwebsocketpp-dev) with its
// Asio transport, in websocketpp's style: a server endpoint, handlers bound to it, and the
// message handler sending the payload back with the opcode it arrived with. Used by the
// benchmarks to compare with sluice-echo.
//
// Usage: peer-wspp-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace {

using EchoServer = websocketpp::server<websocketpp::config::asio>;

void on_message(EchoServer* server, websocketpp::connection_hdl hdl, EchoServer::message_ptr msg) {
  websocketpp::lib::error_code ec;
  server->send(hdl, msg->get_payload(), msg->get_opcode(), ec);
  // A failed send means the connection is going away; websocketpp closes it.
}

int usage() {
  std::fprintf(stderr, "usage: peer-wspp-echo --port P\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long port = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      char* end = nullptr;
      port = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return usage();
    } else {
      return usage();
    }
  }
  if (port < 0) return usage();

  try {
    EchoServer server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);  // a peer's EOF is logged as an error
    server.set_error_channels(websocketpp::log::elevel::fatal);
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_message_handler(websocketpp::lib::bind(
        &on_message, &server, websocketpp::lib::placeholders::_1, websocketpp::lib::placeholders::_2));

    const auto address = websocketpp::lib::asio::ip::address::from_string("127.0.0.1");
    server.listen(websocketpp::lib::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)));
    server.start_accept();

    websocketpp::lib::asio::error_code ec;
    const auto bound = server.get_local_endpoint(ec);
    if (ec) throw websocketpp::exception(ec.message());
    std::printf("peer-wspp-echo listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(bound.port()));
    std::fflush(stdout);

    websocketpp::lib::asio::signal_set signals(server.get_io_service(), SIGTERM, SIGINT);
    signals.async_wait([&server](const websocketpp::lib::asio::error_code&, int) { server.stop(); });
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer-wspp-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
