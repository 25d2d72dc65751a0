// sluice::Client over wss://: the server's certificate is verified against the CA file (or the
// system's store) and its name or IP address checked; each failure reaches on_error as one line
// and the connection never opens.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "client/support.hpp"
#include "test_pki.hpp"
#include "tls_echo_server.hpp"

namespace sluice_tls_test {
namespace {

using sluice_client_test::Events;
using sluice_client_test::LoopThread;
using sluice_client_test::TestClient;

sluice::ClientOptions trusting(const std::string& ca_file, const std::string& server_name = "") {
  sluice::ClientOptions o = sluice_client_test::quick_options();
  o.tls.ca_file = ca_file;
  o.tls.server_name = server_name;
  return o;
}

// Connects, and returns the one error the attempt reported ("" when it opened instead).
std::string attempt(const std::string& url, const sluice::ClientOptions& options) {
  LoopThread lt;
  Events events;
  TestClient client(lt, url, options, events);
  EXPECT_TRUE(events.wait([](const Events& e) { return e.opens() == 1 || e.stopped() == 1; }));
  if (events.opens() == 1) {
    client.close(1000);
    events.wait([](const Events& e) { return e.stopped() == 1; });
    return "";
  }
  EXPECT_EQ(events.errors().size(), 1u);
  return events.errors().empty() ? "(no error)" : events.errors().front();
}

TEST(ClientTls, EchoesThroughAServerItsCaFileVouchesFor) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  LoopThread lt;
  Events events;
  {
    TestClient client(lt, server.url(), trusting(ca), events);
    ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1; }))
        << ::testing::PrintToString(events.errors());
    const std::string big = sluice_client_test::random_bytes(3'000'000, 5);
    client.send("over TLS", sluice::Opcode::text);
    client.send(big, sluice::Opcode::binary);
    ASSERT_TRUE(events.wait([](const Events& e) { return e.messages().size() == 2; }));
    EXPECT_EQ(events.messages()[0].data, "over TLS");
    EXPECT_TRUE(events.messages()[1].data == big);
    client.close(1000, "done");
    ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  }
  EXPECT_TRUE(events.errors().empty());
  ASSERT_TRUE(events.wait([&](const Events&) { return server.closes.load() == 1; }));
}

TEST(ClientTls, ChecksTheNameItWasGiven) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  TlsEchoServer server({{pki.issue("server", "ca", {"localhost"})}, false});
  // The host connected to is an address the certificate does not name.
  EXPECT_EQ(attempt(server.url(), trusting(ca)),
            "TLS handshake failed: certificate verify failed: IP address mismatch");
  EXPECT_EQ(attempt(server.url(), trusting(ca, "elsewhere.test")),
            "TLS handshake failed: certificate verify failed: hostname mismatch");
  EXPECT_EQ(attempt(server.url(), trusting(ca, "localhost")), "");
  EXPECT_EQ(server.opens.load(), 1);
}

TEST(ClientTls, RefusesAServerAnotherCaVouchesFor) {
  TestPki pki;
  pki.ca("ca");
  const std::string other = pki.ca("other");
  TlsEchoServer server({{pki.issue("server", "ca")}, false});
  EXPECT_EQ(attempt(server.url(), trusting(other)),
            "TLS handshake failed: certificate verify failed: unable to get local issuer certificate");
  // Nor does the system's store know the test CA: it is asked, not skipped.
  EXPECT_EQ(attempt(server.url(), trusting("")),
            "TLS handshake failed: certificate verify failed: unable to get local issuer certificate");
  EXPECT_EQ(server.opens.load(), 0);
}

TEST(ClientTls, RefusesAnExpiredCertificate) {
  TestPki pki;
  const std::string ca = pki.ca("ca");
  sluice::TlsCertificate old = pki.issue("old", "ca", {"localhost", "127.0.0.1"}, -1);
  // sluice refuses to serve it, so openssl s_server presents it.
  const std::uint16_t port = sluice_client_test::refused_port();
  sluice_client_test::Process s_server({SLUICE_TLS_OPENSSL, "s_server", "-accept",
                                        "127.0.0.1:" + std::to_string(port), "-cert", old.cert_file, "-key",
                                        old.key_file, "-www"});
  std::optional<std::string> line;
  while ((line = s_server.read_line()) && *line != "ACCEPT") {
  }
  ASSERT_TRUE(line.has_value()) << "openssl s_server did not start";
  EXPECT_EQ(attempt("wss://127.0.0.1:" + std::to_string(port) + "/", trusting(ca)),
            "TLS handshake failed: certificate verify failed: certificate has expired");
}

TEST(ClientTls, ACaFileThatCannotBeLoadedIsRefusedAtConstruction) {
  TestPki pki;
  LoopThread lt;
  sluice::ClientBehaviors none;
  const std::string missing = pki.path("missing.pem");
  try {
    lt.call([&] { sluice::Client c(lt.loop(), "wss://127.0.0.1:1/", trusting(missing), none); });
    ADD_FAILURE() << "a missing CA file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "TLS: " + missing + ": cannot read the CA file: No such file or directory");
  }
  const std::string garbage = pki.write("garbage.pem", "no certificates here\n");
  EXPECT_THROW(lt.call([&] { sluice::Client c(lt.loop(), "wss://127.0.0.1:1/", trusting(garbage), none); }),
               std::runtime_error);
}

}  // namespace
}  // namespace sluice_tls_test
