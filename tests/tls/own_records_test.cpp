// The records of an established TLS 1.3 session, which the server takes from OpenSSL after the
// handshake, against a client made directly with OpenSSL: key updates asked for and not, a
// record whose tag does not match, a record that arrives in parts (held and charged meanwhile),
// and a close_notify that comes in the same read as the last message.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>

#include "support/deadline.hpp"
#include "test_pki.hpp"
#include "tls_echo_server.hpp"

namespace sluice_tls_test {
namespace {

// A blocking WebSocket client over OpenSSL (every wait bounded by a receive timeout), which
// counts the KeyUpdate messages it receives.
class OpenSslClient {
 public:
  OpenSslClient(std::uint16_t port, const std::string& ca_file) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(sluice_test::kWait.count() / 1000), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set_msg_callback(ssl_, count_key_updates);
    SSL_set_msg_callback_arg(ssl_, &key_updates_);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && SSL_connect(ssl_) == 1;
  }
  ~OpenSslClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  OpenSslClient(const OpenSslClient&) = delete;
  OpenSslClient& operator=(const OpenSslClient&) = delete;

  SSL* ssl() { return ssl_; }
  int fd() const { return fd_; }
  int key_updates() const { return key_updates_; }

  bool upgrade() {
    if (!connected_) return false;
    const std::string request =
        "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!write(request)) return false;
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (SSL_read(ssl_, &c, 1) != 1) return false;
      head += c;
    }
    return head.rfind("HTTP/1.1 101", 0) == 0;
  }
  // A masked text frame (mask 0) of under 126 bytes.
  static std::string text_frame(const std::string& text) {
    std::string f;
    f += '\x81';
    f += static_cast<char>(0x80 | text.size());
    f.append(4, '\0');
    return f + text;
  }
  bool write(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  // The next frame's payload (an unmasked server frame of under 126 bytes); nothing when the
  // stream ends or the read fails.
  std::optional<std::string> read_text() {
    unsigned char h[2];
    if (!read_exact(h, 2) || (h[1] & 0x7f) >= 126) return std::nullopt;
    std::string payload(h[1] & 0x7f, '\0');
    if (!read_exact(payload.data(), payload.size())) return std::nullopt;
    return payload;
  }
  std::optional<std::string> echo(const std::string& text) {
    if (!write(text_frame(text))) return std::nullopt;
    return read_text();
  }
  // The reason of the error that ended the last read (the alert the server sent, say).
  int last_error_reason() const { return last_error_reason_; }

 private:
  bool read_exact(void* p, std::size_t n) {
    auto* out = static_cast<char*>(p);
    while (n > 0) {
      const int r = SSL_read(ssl_, out, static_cast<int>(n));
      if (r <= 0) {
        last_error_reason_ = ERR_GET_REASON(ERR_peek_error());
        ERR_clear_error();
        return false;
      }
      out += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
  static void count_key_updates(int write_p, int, int type, const void* buf, std::size_t len, SSL*,
                                void* arg) {
    if (!write_p && type == SSL3_RT_HANDSHAKE && len > 0 && static_cast<const unsigned char*>(buf)[0] == 24)
      ++*static_cast<int*>(arg);
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  int key_updates_ = 0;
  int last_error_reason_ = 0;
};

TEST(OwnRecords, KeyUpdatesAskedForAreAnsweredAndTheStreamGoesOn) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  OpenSslClient c(server.port(), ca);
  ASSERT_TRUE(c.upgrade());
  EXPECT_EQ(c.echo("before"), "before");
  for (int i = 1; i <= 3; ++i) {
    // Asked for: the server moves its read key on and sends its own KeyUpdate before the echo.
    ASSERT_EQ(SSL_key_update(c.ssl(), SSL_KEY_UPDATE_REQUESTED), 1);
    EXPECT_EQ(c.echo("asked " + std::to_string(i)), "asked " + std::to_string(i));
    EXPECT_EQ(c.key_updates(), i);
  }
  // Not asked for: the server's read key moves on, its write key stays.
  ASSERT_EQ(SSL_key_update(c.ssl(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  EXPECT_EQ(c.echo("not asked"), "not asked");
  EXPECT_EQ(c.key_updates(), 3);
  EXPECT_EQ(server.closes.load(), 0);
}

TEST(OwnRecords, ARecordWhoseTagDoesNotMatchIsRefusedWithBadRecordMac) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  OpenSslClient bystander(server.port(), ca);
  ASSERT_TRUE(bystander.upgrade());
  OpenSslClient c(server.port(), ca);
  ASSERT_TRUE(c.upgrade());
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.opens.load() == 2; }));

  // A whole record in parts: while its tail is missing, what arrived is held and charged.
  const std::size_t before = server.thread().stats().memory_bytes;
  constexpr std::size_t kBody = 16'000;
  std::string record("\x17\x03\x03", 3);
  record += static_cast<char>(kBody >> 8);
  record += static_cast<char>(kBody & 0xff);
  record.append(kBody, '\x5a');
  ASSERT_EQ(::send(c.fd(), record.data(), 12'000, MSG_NOSIGNAL), 12'000);
  ASSERT_TRUE(sluice_test::wait_until([&] {
    return server.thread().stats().memory_bytes >= before + 10'000;
  })) << "memory_bytes "
      << server.thread().stats().memory_bytes << ", before " << before;
  ASSERT_EQ(::send(c.fd(), record.data() + 12'000, record.size() - 12'000, MSG_NOSIGNAL),
            static_cast<ssize_t>(record.size() - 12'000));

  EXPECT_EQ(c.read_text(), std::nullopt);
  EXPECT_EQ(c.last_error_reason(), SSL_R_SSLV3_ALERT_BAD_RECORD_MAC);
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.closes.load() == 1; }));
  EXPECT_EQ(bystander.echo("still here"), "still here");
}

TEST(OwnRecords, ACloseNotifyInTheReadOfTheLastMessageEndsTheConnection) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  OpenSslClient c(server.port(), ca);
  ASSERT_TRUE(c.upgrade());
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.opens.load() == 1; }));
  // Corked: the message's record and the close_notify leave in one segment, so the server reads
  // both at once; the socket stays open on this side.
  int on = 1;
  ::setsockopt(c.fd(), IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  ASSERT_TRUE(c.write(OpenSslClient::text_frame("last")));
  ASSERT_EQ(SSL_shutdown(c.ssl()), 0);  // ours sent, the server's not received
  on = 0;
  ::setsockopt(c.fd(), IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  EXPECT_EQ(c.read_text(), "last");
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.closes.load() == 1; }))
      << "the server did not end the connection after the peer's close_notify";
}

}  // namespace
}  // namespace sluice_tls_test
