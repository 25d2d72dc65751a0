// peer-wspp-echo: a WebSocket echo server on websocketpp (Debian's libwebsocketpp-dev) with its
// Asio transport, in websocketpp's style: a server endpoint, handlers bound to it, and the
// message handler sending the payload back with the opcode it arrived with. Used by the
// benchmarks to compare with sluice-echo.
//
// Connections whose path is /broadcast instead form one room, as in sluice-echo: every message
// one of them sends goes to all of them, the sender included. The room follows websocketpp's
// broadcast_server example, on the one thread that runs the handlers (the example hands the
// actions to a second thread): open and close handlers keep a set of connection_hdl, and the
// message handler calls server.send for each of them with the message it received. websocketpp
// frames that message again for every connection (send copies the payload into a message of
// its own for each), and queues it on that connection without limit: a reader that stalls
// holds back only its own queue, which grows for as long as it does not read.
//
// Usage: peer-wspp-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
//        ws://127.0.0.1:P/broadcast is the room; any other path echoes.
#include "port_option.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace {

using EchoServer = websocketpp::server<websocketpp::config::asio>;

// The /broadcast room.
using Room = std::set<websocketpp::connection_hdl, std::owner_less<websocketpp::connection_hdl>>;

bool is_broadcast(EchoServer* server, websocketpp::connection_hdl hdl) {
  const std::string& resource = server->get_con_from_hdl(hdl)->get_resource();
  return resource.compare(0, resource.find('?'), "/broadcast") == 0;
}

void on_open(EchoServer* server, Room* room, websocketpp::connection_hdl hdl) {
  if (is_broadcast(server, hdl)) room->insert(hdl);
}

void on_close(Room* room, websocketpp::connection_hdl hdl) { room->erase(hdl); }

void on_message(EchoServer* server, Room* room, websocketpp::connection_hdl hdl,
                EchoServer::message_ptr msg) {
  websocketpp::lib::error_code ec;
  // A failed send means the connection is going away; websocketpp closes it.
  if (room->count(hdl) != 0) {
    for (const auto& member : *room) server->send(member, msg, ec);
  } else {
    server->send(hdl, msg->get_payload(), msg->get_opcode(), ec);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int port = port_option(argc, argv, "peer-wspp-echo");
  if (port < 0) return 2;

  try {
    Room room;
    EchoServer server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);  // a peer's EOF is logged as an error
    server.set_error_channels(websocketpp::log::elevel::fatal);
    server.init_asio();
    server.set_reuse_addr(true);
    using websocketpp::lib::bind;
    using websocketpp::lib::placeholders::_1;
    using websocketpp::lib::placeholders::_2;
    server.set_open_handler(bind(&on_open, &server, &room, _1));
    server.set_close_handler(bind(&on_close, &room, _1));
    server.set_message_handler(bind(&on_message, &server, &room, _1, _2));
    // websocketpp leaves Nagle on; every other server here turns it off.
    server.set_tcp_post_init_handler([&server](websocketpp::connection_hdl hdl) {
      websocketpp::lib::asio::error_code ignored;
      server.get_con_from_hdl(hdl)->get_socket().set_option(websocketpp::lib::asio::ip::tcp::no_delay(true),
                                                            ignored);
    });

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
