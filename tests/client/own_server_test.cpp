// sluice::Client against sluice's own server, in-process on a loopback port. The server closes
// any unmasked client frame with 1002, so a working echo already shows that the client masks;
// a raw listener then captures the wire bytes to show each frame gets a fresh mask key.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "support.hpp"
#include "support/server_thread.hpp"

namespace sluice_client_test {
namespace {

using sluice::Opcode;

// A sluice::Server echoing every message, on its own thread, counting what it saw.
class EchoServer {
 public:
  explicit EchoServer(std::string host = "127.0.0.1") : thread_(options(std::move(host)), behaviors()) {}
  std::uint16_t port() const { return thread_.port(); }

  std::atomic<int> opens{0};
  std::atomic<int> messages{0};
  std::atomic<int> closes{0};
  std::atomic<int> last_close_code{0};

 private:
  static sluice::ServerOptions options(std::string host) {
    sluice::ServerOptions o = sluice_test::test_options();
    o.host = std::move(host);
    return o;
  }
  sluice::Behaviors behaviors() {
    sluice::Behaviors b;
    b.on_open = [this](sluice::WebSocket) { opens.fetch_add(1); };
    b.on_message = [this](sluice::WebSocket ws, std::string_view data, Opcode op) {
      messages.fetch_add(1);
      ws.send(data, op);
    };
    b.on_close = [this](sluice::WebSocket, std::uint16_t code, std::string_view) {
      last_close_code.store(code);
      closes.fetch_add(1);
    };
    return b;
  }

  // Last, so that the server stops before the counters its callbacks touch go.
  sluice_test::ServerThread thread_;
};

TEST(OwnServer, EchoesTextAndBinaryThroughMaskedFrames) {
  EchoServer srv;
  LoopThread lt;
  Events events;
  {
    TestClient client(lt, "ws://127.0.0.1:" + std::to_string(srv.port()) + "/", quick_options(), events);
    ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1; }));
    std::string big = random_bytes(200'000, 7);
    EXPECT_EQ(client.send("text one", Opcode::text), sluice::SendStatus::sent);
    auto st = client.send(big, Opcode::binary);
    EXPECT_TRUE(st == sluice::SendStatus::sent || st == sluice::SendStatus::queued) << sluice::to_string(st);
    EXPECT_EQ(client.send("", Opcode::text), sluice::SendStatus::sent);
    ASSERT_TRUE(events.wait([](const Events& e) { return e.messages().size() == 3; }));
    auto got = events.messages();
    EXPECT_EQ(got[0].data, "text one");
    EXPECT_EQ(got[0].opcode, Opcode::text);
    EXPECT_TRUE(got[1].data == big);
    EXPECT_EQ(got[1].opcode, Opcode::binary);
    EXPECT_EQ(got[2].data, "");
    EXPECT_EQ(got[2].opcode, Opcode::text);
    client.close(1000, "bye");
    ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  }
  // The server never saw a protocol error (an unmasked frame would have closed with 1002).
  ASSERT_TRUE(events.wait([&](const Events&) { return srv.closes.load() == 1; }));
  EXPECT_EQ(srv.last_close_code.load(), 1000);
  EXPECT_EQ(srv.opens.load(), 1);
  EXPECT_EQ(srv.messages.load(), 3);
  auto closes = events.close_events();
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].first, 1000);
  EXPECT_TRUE(events.errors().empty());
}

TEST(OwnServer, SamePayloadTwiceDiffersOnTheWire) {
  RawListener listener;
  LoopThread lt;
  Events events;
  TestClient client(lt, "ws://127.0.0.1:" + std::to_string(listener.port()) + "/", quick_options(), events);
  RawConn conn(listener.accept_one());
  ASSERT_TRUE(conn.valid());
  auto head = conn.read_head();
  ASSERT_TRUE(head.has_value());
  std::string key = header_value(*head, "Sec-WebSocket-Key");
  ASSERT_FALSE(key.empty()) << *head;
  ASSERT_TRUE(
      conn.write_all("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: " +
                     accept_for(key) + "\r\n\r\n"));
  ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1; }));

  const std::string payload = "the same payload";
  constexpr int kSends = 16;
  for (int i = 0; i < kSends; ++i) ASSERT_EQ(client.send(payload, Opcode::text), sluice::SendStatus::sent);
  // Each frame: 2 header bytes, 4 mask bytes, the payload.
  auto bytes = conn.read_at_least(kSends * (6 + payload.size()));
  ASSERT_TRUE(bytes.has_value()) << "the frames did not arrive";
  std::string_view rest = *bytes;
  std::vector<WireFrame> frames;
  while (auto f = parse_frame(rest)) {
    frames.push_back(*f);
    rest.remove_prefix(f->size);
  }
  ASSERT_EQ(frames.size(), static_cast<std::size_t>(kSends));
  EXPECT_TRUE(rest.empty());
  std::set<std::uint32_t> keys;
  std::set<std::string> wire;
  for (const auto& f : frames) {
    EXPECT_TRUE(f.masked);
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.opcode, 0x1);
    EXPECT_EQ(f.payload, payload);
    keys.insert(f.mask_key);
    wire.insert(f.wire_payload);
  }
  EXPECT_NE(frames[0].wire_payload, frames[1].wire_payload) << "two sends of one payload look alike";
  EXPECT_NE(frames[0].mask_key, frames[1].mask_key);
  // 16 keys from a CSPRNG: a repeat has probability ~3e-8.
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kSends)) << "mask keys repeat";
  EXPECT_EQ(wire.size(), static_cast<std::size_t>(kSends));

  // The close frame is masked too, and carries the code and reason.
  client.close(1000, "done");
  auto close_bytes = conn.read_at_least(6 + 2 + 4);
  ASSERT_TRUE(close_bytes.has_value());
  auto cf = parse_frame(*close_bytes);
  ASSERT_TRUE(cf.has_value());
  EXPECT_EQ(cf->opcode, 0x8);
  EXPECT_TRUE(cf->masked);
  EXPECT_EQ(cf->payload, std::string("\x03\xe8") + "done");
}

TEST(OwnServer, Ipv6LiteralConnectsToAServerOnLoopback6) {
  std::unique_ptr<EchoServer> srv;
  try {
    srv = std::make_unique<EchoServer>("::1");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  LoopThread lt;
  Events events;
  TestClient client(lt, "ws://[::1]:" + std::to_string(srv->port()) + "/v6?x=1", quick_options(), events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1 || !e.errors().empty(); }));
  ASSERT_EQ(events.opens(), 1) << events.errors().front();
  EXPECT_EQ(client.send("over v6", Opcode::text), sluice::SendStatus::sent);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.count_messages("over v6") == 1; }));
  client.close(1000);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  EXPECT_EQ(srv->opens.load(), 1);
}

}  // namespace
}  // namespace sluice_client_test
