// An answer given later (HttpResponse::later()) on a TLS connection: the requests the client
// sends behind it, each in its own TLS record, wait and are answered in order once it is given,
// on the same connection. A raw OpenSSL client writes the records, so the test says exactly
// what went over the wire.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "support/http_reply.hpp"
#include "support/server_thread.hpp"
#include "test_pki.hpp"

namespace sluice_tls_test {
namespace {

// A blocking TLS client on 127.0.0.1:port that trusts `ca_file`; reads wait at most 10 s.
class TlsPipe {
 public:
  TlsPipe(std::uint16_t port, const std::string& ca_file) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_load_verify_locations(ctx_.get(), ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval wait{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    SSL_set1_host(ssl_.get(), "127.0.0.1");
    connected_ = SSL_connect(ssl_.get()) == 1;
  }
  ~TlsPipe() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }
  TlsPipe(const TlsPipe&) = delete;
  TlsPipe& operator=(const TlsPipe&) = delete;

  bool connected() const { return connected_; }
  // One SSL_write: one TLS record for a short text.
  bool write(const std::string& text) {
    return SSL_write(ssl_.get(), text.data(), static_cast<int>(text.size())) == static_cast<int>(text.size());
  }
  // The next reply with its Content-Length body; nullopt when none comes.
  std::optional<sluice_test::HttpReply> read_reply() {
    for (;;) {
      const std::size_t end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto reply = sluice_test::parse_http_reply(std::string_view(in_).substr(0, end + 4));
        if (!reply) return std::nullopt;
        const std::size_t length = std::stoul(reply->header("content-length").value_or("0"));
        if (in_.size() >= end + 4 + length) {
          reply->body = in_.substr(end + 4, length);
          in_.erase(0, end + 4 + length);
          return reply;
        }
      }
      char buf[4096];
      const int got = SSL_read(ssl_.get(), buf, sizeof buf);
      if (got <= 0) return std::nullopt;
      in_.append(buf, static_cast<std::size_t>(got));
    }
  }

 private:
  struct FreeCtx {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct FreeSsl {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::unique_ptr<SSL_CTX, FreeCtx> ctx_;
  std::unique_ptr<SSL, FreeSsl> ssl_;
  int fd_ = -1;
  bool connected_ = false;
  std::string in_;
};

TEST(DeferredAnswerTls, RequestsInLaterRecordsWaitForTheAnswerAndAreServedInOrder) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  sluice::ServerOptions o = sluice_test::test_options();
  o.tls = {{pki.issue("server", "ca")}, false};
  std::deque<sluice::HttpStream> waiting;  // the server loop's
  std::atomic<int> opens{0};
  sluice_test::ServerThread server(o, sluice::Behaviors{}, [&](sluice::Server& s) {
    sluice::StreamBehaviors later;
    later.on_open = [&](sluice::HttpStream st) {
      waiting.push_back(st);
      opens.fetch_add(1);
    };
    later.on_close = [&](sluice::HttpStream st) { std::erase(waiting, st); };
    s.route(
        "POST", "/later", [](const sluice::HttpRequest&) { return sluice::HttpResponse::later(); },
        std::move(later));
    s.route("GET", "/now", [](const sluice::HttpRequest& req) {
      return sluice::HttpResponse{200, "text/plain", "now " + std::string(req.query)};
    });
  });

  TlsPipe client(server.port(), ca);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.write("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(sluice_test::wait_until([&] { return opens.load() == 1; }));
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(client.write("GET /now?" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));

  ASSERT_TRUE(server.on_loop([&] {
    ASSERT_EQ(waiting.size(), 1u);
    waiting.front().respond({202, "text/plain", "later"});
  }));
  auto first = client.read_reply();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 202);
  EXPECT_EQ(first->body, "later");
  EXPECT_EQ(first->header("connection").value_or(""), "keep-alive");
  for (int i = 1; i <= 3; ++i) {
    auto reply = client.read_reply();
    ASSERT_TRUE(reply) << "reply " << i;
    EXPECT_EQ(reply->body, "now " + std::to_string(i));
  }
}

}  // namespace
}  // namespace sluice_tls_test
