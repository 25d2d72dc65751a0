// A TLS server: certificates reloaded under open connections, the opening handshake deadline
// over the TLS handshake, the memory a session holds (OpenSSL's during the handshake, the records'
// after it) counted in the process budget and given back, and bursts larger than the socket takes
// at once (records held until they are out).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/support.hpp"
#include "support/raw_socket.hpp"
#include "test_pki.hpp"
#include "tls_echo_server.hpp"

namespace sluice_tls_test {
namespace {

using sluice_client_test::Events;
using sluice_client_test::LoopThread;
using sluice_client_test::TestClient;
using std::chrono::milliseconds;

sluice::ClientOptions trusting(const std::string& ca_file) {
  sluice::ClientOptions o = sluice_client_test::quick_options();
  o.tls.ca_file = ca_file;
  return o;
}

// The start of a TLS record that claims more bytes than follow: OpenSSL waits for the rest.
std::string partial_client_hello() {
  std::string record("\x16\x03\x01\x02\x00", 5);  // handshake record of 512 bytes
  record += std::string("\x01\x00\x01\xfc\x03\x03", 6);
  record.append(64, 'x');
  return record;
}

sluice_test::ReadStatus read_until_closed(sluice_test::RawSocket& s) {
  char buf[4096];
  const auto deadline = sluice_test::Clock::now() + sluice_test::kWait;
  for (;;) {
    std::size_t got = 0;
    sluice_test::ReadStatus st = s.receive(buf, deadline, got);
    if (st != sluice_test::ReadStatus::ok) return st;
  }
}

TEST(ServerTls, AReloadServesNewConnectionsWithTheNewCertificateAndKeepsOpenOnes) {
  TestPki pki;
  const std::string old_ca = pki.ca("old-ca");
  const std::string new_ca = pki.ca("new-ca");
  TlsEchoServer server({{pki.issue("old", "old-ca")}, false});
  LoopThread lt;
  Events before;
  TestClient open_one(lt, server.url(), trusting(old_ca), before);
  ASSERT_TRUE(before.wait([](const Events& e) { return e.opens() == 1; }));

  server.thread().server().reload_tls({{pki.issue("new", "new-ca")}, false});
  // Workers take the new certificates in their next loop turn: a new client trusting the new CA
  // gets in once they have.
  Events after;
  bool opened = false;
  for (int i = 0; i < 20 && !opened; ++i) {
    Events e;
    TestClient c(lt, server.url(), trusting(new_ca), e);
    opened = e.wait([](const Events& ev) { return ev.opens() == 1 || ev.stopped() == 1; }) && e.opens() == 1;
    if (opened) c.close(1000);
    if (opened) e.wait([](const Events& ev) { return ev.stopped() == 1; });
  }
  ASSERT_TRUE(opened) << "no client trusting the new CA got in after the reload";
  Events refused;
  {
    TestClient c(lt, server.url(), trusting(old_ca), refused);
    ASSERT_TRUE(refused.wait([](const Events& e) { return e.stopped() == 1; }));
  }
  EXPECT_EQ(refused.opens(), 0);

  // The connection opened before the reload still works.
  open_one.send("still here", sluice::Opcode::text);
  ASSERT_TRUE(before.wait([](const Events& e) { return e.messages().size() == 1; }));
  EXPECT_EQ(before.messages()[0].data, "still here");
  EXPECT_EQ(before.closes(), 0);
}

TEST(ServerTls, TheHandshakeDeadlineCoversTheTlsHandshake) {
  TestPki pki;
  pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false},
                       [](sluice::ServerOptions& o) { o.handshake_timeout = milliseconds(300); });
  sluice_test::RawSocket silent = sluice_test::RawSocket::connect_loopback(server.port());
  sluice_test::RawSocket partial = sluice_test::RawSocket::connect_loopback(server.port());
  ASSERT_TRUE(silent.valid() && partial.valid());
  ASSERT_TRUE(partial.send_all(partial_client_hello()));
  EXPECT_NE(read_until_closed(silent), sluice_test::ReadStatus::timeout);
  EXPECT_NE(read_until_closed(partial), sluice_test::ReadStatus::timeout);
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.thread().stats().connections_closed == 2; }));
  EXPECT_EQ(server.opens.load(), 0);
}

TEST(ServerTls, WhatOpenSslHoldsIsChargedToTheBudgetAndGivenBack) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  const std::size_t baseline = server.thread().stats().memory_bytes;

  // A handshake stalled inside a record holds a read buffer of a whole record (16 KiB and more).
  constexpr int kStalled = 8;
  std::vector<std::unique_ptr<sluice_test::RawSocket>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    stalled.emplace_back(new sluice_test::RawSocket(sluice_test::RawSocket::connect_loopback(server.port())));
    ASSERT_TRUE(stalled.back()->send_all(partial_client_hello()));
  }
  ASSERT_TRUE(sluice_test::wait_until([&] {
    return server.thread().stats().memory_bytes >= baseline + kStalled * 16 * 1024;
  })) << "memory_bytes "
      << server.thread().stats().memory_bytes << ", baseline " << baseline;
  stalled.clear();
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.thread().stats().memory_bytes == baseline; }))
      << "memory_bytes " << server.thread().stats().memory_bytes << ", baseline " << baseline;

  // Idle open connections hold no OpenSSL session and no record buffer: after a TLS 1.3
  // handshake the records are sluice's (two AEAD contexts and the secrets, about 2.7 KiB), where
  // OpenSSL 3.0 kept about 15 KiB (its SSL object alone is 7.6 KiB); a read or write buffer held
  // while idle would add a whole record's 16.7 KiB. The goal is under 8 KiB.
  constexpr int kIdle = 8;
  LoopThread lt;
  std::vector<std::unique_ptr<Events>> events;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kIdle; ++i) {
    events.push_back(std::make_unique<Events>());
    clients.push_back(std::make_unique<TestClient>(lt, server.url(), trusting(ca), *events.back()));
    ASSERT_TRUE(events.back()->wait([](const Events& e) { return e.opens() == 1; }));
    clients.back()->send("hello", sluice::Opcode::text);
    ASSERT_TRUE(events.back()->wait([](const Events& e) { return e.messages().size() == 1; }));
  }
  std::size_t held = 0;
  ASSERT_TRUE(sluice_test::wait_until([&] {
    held = server.thread().stats().memory_bytes - baseline;
    return held > kIdle * 1024 && held < kIdle * 8 * 1024;
  })) << held / kIdle
      << " bytes per idle TLS connection";
  for (auto& c : clients) c->close(1000);
  clients.clear();
  ASSERT_TRUE(sluice_test::wait_until([&] { return server.thread().stats().memory_bytes == baseline; }))
      << "memory_bytes " << server.thread().stats().memory_bytes << ", baseline " << baseline;
}

class Bursts : public ::testing::TestWithParam<bool> {};

TEST_P(Bursts, ArriveWholeAndInOrderWhenTheSocketTakesThemInParts) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  constexpr int kMessages = 12;
  constexpr std::size_t kSize = 1'000'003;  // not a multiple of a record
  sluice::ServerOptions o = sluice_test::test_options();
  o.tls = {{pki.issue("server", "ca")}, GetParam()};
  o.max_buffered_bytes = 64 * 1024 * 1024;
  o.send_buffer_bytes = 64 * 1024;  // a small socket buffer: most writes are partial
  sluice::Behaviors b;
  b.on_open = [](sluice::WebSocket ws) {
    for (int i = 0; i < kMessages; ++i)
      ws.send(sluice_client_test::random_bytes(kSize, static_cast<std::uint32_t>(i)), sluice::Opcode::binary);
    ws.send("end", sluice::Opcode::text);
  };
  sluice_test::ServerThread server(o, b);
  LoopThread lt;
  Events events;
  TestClient client(lt, "wss://127.0.0.1:" + std::to_string(server.port()) + "/", trusting(ca), events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.messages().size() == kMessages + 1; },
                          milliseconds(30'000)));
  const auto got = events.messages();
  for (int i = 0; i < kMessages; ++i)
    EXPECT_TRUE(got[static_cast<std::size_t>(i)].data ==
                sluice_client_test::random_bytes(kSize, static_cast<std::uint32_t>(i)))
        << "message " << i;
  EXPECT_EQ(got.back().data, "end");
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
}

INSTANTIATE_TEST_SUITE_P(UserSpaceAndKernelTlsOption, Bursts, ::testing::Values(false, true));

}  // namespace
}  // namespace sluice_tls_test
