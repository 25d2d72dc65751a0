// peer-beast-echo: a WebSocket echo server on Boost.Beast (Debian's libboost-dev), in Beast's
// own style: one io_context on one thread, a session object per connection kept alive by
// shared_from_this across async operations, a flat_buffer for the message being read, and the
// opcode of the reply taken from got_text(). Used by the benchmarks to compare with sluice-echo.
//
// Usage: peer-beast-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : ws_(std::move(socket)) {}

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(beast::bind_front_handler(&Session::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return;  // closed by the peer, or an error: the session ends here
    ws_.text(ws_.got_text());
    ws_.async_write(buffer_.data(), beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t written) {
    if (ec) return;
    buffer_.consume(written);
    read_next();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, const tcp::endpoint& where) : ioc_(ioc), acceptor_(ioc) {
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
    if (!ec) std::make_shared<Session>(std::move(socket))->start();
    accept_next();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

int usage() {
  std::fprintf(stderr, "usage: peer-beast-echo --port P\n");
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
    asio::io_context ioc{1};
    auto listener = std::make_shared<Listener>(
        ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
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
