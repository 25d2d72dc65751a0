// WebSocket behaviors per path (Server::ws), typed per-connection data the server makes and
// destroys (TypedBehaviors<T>), and running work on a connection's own loop (LoopHandle).
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

TEST(WsRoutes, EachPathGetsItsOwnBehaviorsAndTheRestTheServersDefault) {
  std::atomic<int> chat{0}, feed{0}, other{0};
  sluice::Behaviors fallback;
  fallback.on_open = [&](sluice::WebSocket) { other.fetch_add(1); };
  ServerThread server(test_options(), fallback, [&](sluice::Server& s) {
    sluice::Behaviors c;
    c.on_open = [&](sluice::WebSocket ws) {
      chat.fetch_add(1);
      ws.send_text("chat");
    };
    s.ws("/chat", c);
    sluice::Behaviors f;
    f.on_upgrade = [](const sluice::UpgradeRequest& r) {
      return r.path == "/feed/closed" ? sluice::UpgradeDecision::refuse(403, "closed")
                                      : sluice::UpgradeDecision::accept();
    };
    f.on_open = [&](sluice::WebSocket) { feed.fetch_add(1); };
    s.ws("/feed/*", f);
  });
  RawClient a(server.port()), b(server.port()), c(server.port()), d(server.port());
  ASSERT_TRUE(a.handshake("/chat"));
  auto hello = a.read_frame();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->payload, "chat");
  ASSERT_TRUE(b.handshake("/feed/a/b"));
  ASSERT_TRUE(c.handshake("/elsewhere"));
  HttpReply refused;
  EXPECT_FALSE(d.handshake("/feed/closed", {}, &refused));
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(wait_until([&] { return chat.load() == 1 && feed.load() == 1 && other.load() == 1; }));
}

// Sends `text` and expects `reply` back.
void expect_reply(RawClient& c, const std::string& text, const std::string& reply) {
  ASSERT_TRUE(c.send_frame(op::text, text));
  auto f = c.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, reply);
}

// Counts live instances, so the test sees when the server makes and destroys them.
struct Session {
  static inline std::atomic<int> alive{0};
  Session() { alive.fetch_add(1); }
  ~Session() { alive.fetch_sub(1); }
  std::string name;
  int messages = 0;
};

TEST(WsRoutes, TypedDataLivesFromTheHandshakeUntilAfterOnClose) {
  std::atomic<int> closes{0};
  std::atomic<int> seen_messages{-1};
  ServerThread server(test_options(), {}, [&](sluice::Server& s) {
    sluice::TypedBehaviors<Session> b;
    b.on_upgrade = [](const sluice::UpgradeRequest& r, Session& session) {
      if (r.query == "deny") return sluice::UpgradeDecision::refuse(401, "no");
      session.name = std::string(r.query);
      return sluice::UpgradeDecision::accept();
    };
    b.on_message = [](sluice::WebSocket ws, Session& session, std::string_view, sluice::Opcode) {
      ++session.messages;
      ws.send_text(session.name);
    };
    b.on_close = [&](sluice::WebSocket, Session& session, std::uint16_t, std::string_view) {
      seen_messages.store(session.messages);
      closes.fetch_add(1);
    };
    s.ws("/typed", std::move(b));
  });
  {
    RawClient denied(server.port());
    EXPECT_FALSE(denied.handshake("/typed?deny"));
  }
  EXPECT_TRUE(wait_until([] { return Session::alive.load() == 0; })) << "a refused handshake keeps no data";
  {
    RawClient c(server.port());
    ASSERT_TRUE(c.handshake("/typed?alice"));
    EXPECT_EQ(Session::alive.load(), 1);
    expect_reply(c, "hi", "alice");
    expect_reply(c, "again", "alice");
  }
  EXPECT_TRUE(wait_until([&] { return closes.load() == 1; }));
  EXPECT_EQ(seen_messages.load(), 2);
  EXPECT_TRUE(wait_until([] { return Session::alive.load() == 0; }));
}

TEST(WsRoutes, WorkPostedToAConnectionsLoopRunsOnItsThread) {
  std::atomic<bool> opened{false};
  std::optional<sluice::WebSocket> ws;
  std::thread::id loop_thread;
  sluice::Behaviors b;
  b.on_open = [&](sluice::WebSocket w) {
    ws = w;
    loop_thread = std::this_thread::get_id();
    opened.store(true);
  };
  sluice::ServerOptions o = test_options();
  o.threads = 2;
  ServerThread server(o, b);
  RawClient c(server.port());
  ASSERT_TRUE(c.handshake("/"));
  ASSERT_TRUE(wait_until([&] { return opened.load(); }));
  sluice::LoopHandle loop = server.ask([&] { return ws->loop(); });
  std::atomic<bool> ran_there{false};
  std::thread other([&] {
    loop.post([&] {
      ran_there.store(std::this_thread::get_id() == loop_thread);
      ws->send_text("from elsewhere");
    });
  });
  other.join();
  auto f = c.read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "from elsewhere");
  EXPECT_TRUE(ran_there.load());
}

}  // namespace
}  // namespace sluice_test
