// peer-beast-echo: a WebSocket echo server on Boost.Beast (Debian's libboost-dev), in Beast's
// own style: one io_context on one thread, a session object per connection kept alive by
// shared_from_this across async operations, the HTTP upgrade request read with http::async_read
// and handed to async_accept, a flat_buffer for the message being read, and the opcode of the
// reply taken from got_text(). Used by the benchmarks to compare with sluice-echo.
//
// Connections whose path is /broadcast instead form one room, as in sluice-echo: every message
// one of them sends goes to all of them, the sender included. The room is the idea of Beast's
// websocket-chat-multi example: a shared room holding the sessions (each joins once accepted
// and leaves in its destructor), the message made once into a shared_ptr<const std::string>,
// and each session with its own write queue of those pointers, writing one at a time. A reader
// that stalls holds back only its own queue, which grows for as long as it does not read. One
// thread runs every handler, so the room needs neither the example's mutex nor its post().
//
// Usage: peer-beast-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
//        ws://127.0.0.1:P/broadcast is the room; any other path echoes.
#include "port_option.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class Session;

// The /broadcast room. Sessions are listed by address: each one leaves in its destructor.
class Room {
 public:
  void join(Session* s) { sessions_.insert(s); }
  void leave(Session* s) { sessions_.erase(s); }
  void publish(const std::shared_ptr<const std::string>& message, bool text);

 private:
  std::unordered_set<Session*> sessions_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Room& room) : ws_(std::move(socket)), room_(room) {
    // Beast writes a frame's header and payload in separate segments; with Nagle on, the second
    // waits for the peer's delayed ACK (about 40 ms per echo). Every other server here sets it.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
  }

  ~Session() {
    if (in_room_) room_.leave(this);
  }

  void start() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    http::async_read(ws_.next_layer(), buffer_, request_,
                     beast::bind_front_handler(&Session::on_request, shared_from_this()));
  }

  // A message of the room for this session: queued, and written once those before it are.
  void send(const std::shared_ptr<const std::string>& message, bool text) {
    queue_.push_back({message, text});
    if (queue_.size() == 1) write_front();
  }

 private:
  struct Outgoing {
    std::shared_ptr<const std::string> message;
    bool text;
  };

  void on_request(beast::error_code ec, std::size_t) {
    if (ec) return;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream's own timeouts from here
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    const beast::string_view target = request_.target();
    broadcast_ = target.substr(0, target.find('?')) == "/broadcast";
    ws_.async_accept(request_, beast::bind_front_handler(&Session::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec) {
    if (ec) return;
    request_ = {};
    if (broadcast_) {
      room_.join(this);
      in_room_ = true;
    }
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return;  // closed by the peer, or an error: the session ends here
    if (broadcast_) {
      auto message = std::make_shared<const std::string>(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      room_.publish(message, ws_.got_text());
      read_next();
      return;
    }
    ws_.text(ws_.got_text());
    ws_.async_write(buffer_.data(), beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t written) {
    if (ec) return;
    buffer_.consume(written);
    read_next();
  }

  void write_front() {
    ws_.text(queue_.front().text);
    ws_.async_write(asio::buffer(*queue_.front().message),
                    beast::bind_front_handler(&Session::on_room_write, shared_from_this()));
  }

  void on_room_write(beast::error_code ec, std::size_t) {
    if (ec) return;  // the queue goes with the session
    queue_.pop_front();
    if (!queue_.empty()) write_front();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  Room& room_;
  bool broadcast_ = false;
  bool in_room_ = false;
  std::deque<Outgoing> queue_;  // the room's messages not yet written; front() is being written
};

void Room::publish(const std::shared_ptr<const std::string>& message, bool text) {
  for (Session* s : sessions_) s->send(message, text);
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, const tcp::endpoint& where, Room& room)
      : ioc_(ioc), acceptor_(ioc), room_(room) {
    acceptor_.open(where.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(where);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void accept_next() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), room_)->start();
    accept_next();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  Room& room_;
};

}  // namespace

int main(int argc, char** argv) {
  const int port = port_option(argc, argv, "peer-beast-echo");
  if (port < 0) return 2;

  try {
    Room room;  // outlives the io_context, whose destructor ends the sessions still open
    asio::io_context ioc{1};
    auto listener = std::make_shared<Listener>(
        ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, room);
    listener->accept_next();
    std::printf("peer-beast-echo listening on ws://127.0.0.1:%u/\n", static_cast<unsigned>(listener->port()));
    std::fflush(stdout);

    asio::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](beast::error_code, int) {
      listener->stop();
      ioc.stop();
    });
    ioc.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer-beast-echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
