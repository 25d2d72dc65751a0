// sluice::Client against servers it shares no code with: Debian's python3-websockets and Node's
// `ws`, each started by the test as a subprocess on a free port and stopped by its PID. Every
// test runs against both (see servers/ for what each path does).
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice_client_test {
namespace {

using sluice::Opcode;
using sluice::SendStatus;

bool accepted(SendStatus s) { return s == SendStatus::sent || s == SendStatus::queued; }

class IndependentServer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::vector<std::string> argv;
    if (GetParam() == "python") {
      argv = {python_program(), python_server_script()};
    } else {
      std::string ws = node_modules_dir() + "/node_modules/ws/package.json";
      if (::access(ws.c_str(), R_OK) != 0)
        GTEST_SKIP() << "Node's `ws` is not installed where the node client tests pin it (run npm ci there)";
      argv = {node_program(), node_server_script(), node_modules_dir()};
    }
    server = std::make_unique<Process>(argv);
    port = read_port(*server, "listening ");
    ASSERT_NE(port, 0);
    lt = std::make_unique<LoopThread>();
  }
  void TearDown() override {
    client.reset();
    lt.reset();
    if (server) server->stop();
  }

  std::string url(const std::string& path) { return "ws://127.0.0.1:" + std::to_string(port) + path; }

  // Connects to `path` and waits for on_open.
  void open(const std::string& path, sluice::ClientOptions o = quick_options()) {
    client = std::make_unique<TestClient>(*lt, url(path), std::move(o), events);
    ASSERT_TRUE(events.wait([](const Events& e) { return e.opens() == 1 || !e.errors().empty(); }));
    ASSERT_EQ(events.opens(), 1) << (events.errors().empty() ? "" : events.errors().front());
  }

  // The next `close CODE REASON` line the server printed.
  std::string server_close_line() {
    while (auto line = server->read_line()) {
      if (line->rfind("close ", 0) == 0) return *line;
    }
    return "(no close line from the server)";
  }

  // Sends each message and expects all of them back, in order, with their opcodes.
  void expect_round_trips(const std::vector<Message>& sent) {
    for (const auto& m : sent) ASSERT_TRUE(accepted(client->send(m.data, m.opcode)));
    ASSERT_TRUE(events.wait([&](const Events& e) { return e.messages().size() >= sent.size(); }))
        << events.messages().size() << " of " << sent.size() << " echoed";
    auto got = events.messages();
    ASSERT_EQ(got.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(got[i].opcode, sent[i].opcode) << "message " << i;
      EXPECT_EQ(got[i].data.size(), sent[i].data.size()) << "message " << i;
      EXPECT_TRUE(got[i].data == sent[i].data) << "message " << i << " changed on the way";
    }
  }

  std::unique_ptr<Process> server;
  std::uint16_t port = 0;
  std::unique_ptr<LoopThread> lt;
  Events events;
  std::unique_ptr<TestClient> client;
};

TEST_P(IndependentServer, TextAndBinaryKeepTheirType) {
  ASSERT_NO_FATAL_FAILURE(open("/echo"));
  expect_round_trips({{"hello, text", Opcode::text},
                      {std::string("\x00\x01\xff binary", 10), Opcode::binary},
                      {"ünïcödé ✓", Opcode::text}});
  EXPECT_EQ(events.closes(), 0);
  EXPECT_TRUE(events.errors().empty());
}

TEST_P(IndependentServer, SizesAroundTheLengthFormsRoundTrip) {
  ASSERT_NO_FATAL_FAILURE(open("/echo"));
  std::vector<Message> sent;
  std::uint32_t seed = 1;
  for (std::size_t size : {0u, 125u, 126u, 65536u, 1024u * 1024u}) {
    sent.push_back({random_bytes(size, seed++), Opcode::binary});
    sent.push_back({std::string(size, 't'), Opcode::text});
  }
  expect_round_trips(sent);
}

TEST_P(IndependentServer, ThousandPipelinedMessagesComeBackInOrder) {
  ASSERT_NO_FATAL_FAILURE(open("/echo"));
  std::vector<SendStatus> statuses;
  // All sent in one loop turn, without waiting for any echo.
  client->with([&](sluice::Client& c) {
    for (int i = 0; i < 1000; ++i) statuses.push_back(c.send_text("message " + std::to_string(i)));
  });
  ASSERT_EQ(statuses.size(), 1000u);
  for (std::size_t i = 0; i < statuses.size(); ++i)
    ASSERT_TRUE(accepted(statuses[i])) << "send " << i << ": " << sluice::to_string(statuses[i]);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.messages().size() >= 1000; }))
      << events.messages().size() << " of 1000 echoed";
  auto got = events.messages();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(got[static_cast<std::size_t>(i)].data, "message " + std::to_string(i));
}

TEST_P(IndependentServer, OfferedSubprotocolIsSelected) {
  auto o = quick_options();
  o.subprotocols = {"chat.v1", "chat.v2"};
  ASSERT_NO_FATAL_FAILURE(open("/subprotocol", o));
  // The server tells which one it selected.
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.messages().empty(); }));
  EXPECT_EQ(events.messages().front().data, "chat.v2");
  EXPECT_TRUE(events.errors().empty());
}

TEST_P(IndependentServer, SubprotocolThatWasNotOfferedIsRefused) {
  auto o = quick_options();
  o.subprotocols = {"chat.v1"};
  client = std::make_unique<TestClient>(*lt, url("/bad-subprotocol"), o, events);
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; })) << "on_stopped not called";
  auto errors = events.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("subprotocol"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("not-offered"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("not offered"), std::string::npos) << errors[0];
  EXPECT_EQ(events.opens(), 0);
  EXPECT_EQ(events.closes(), 0);
}

TEST_P(IndependentServer, ExtraHeadersReachTheServer) {
  auto o = quick_options();
  o.headers = {{"X-Test", "1"}, {"X-Trace-Id", "abc-123"}};
  o.origin = "http://origin.test";
  ASSERT_NO_FATAL_FAILURE(open("/headers", o));
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.messages().empty(); }));
  std::string json = events.messages().front().data;
  EXPECT_NE(json.find(R"("x-test":"1")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("x-trace-id":"abc-123")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("origin":"http://origin.test")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("host":"127.0.0.1:)" + std::to_string(port) + "\""), std::string::npos) << json;
}

TEST_P(IndependentServer, ClientCloseCodeAndReasonReachTheServer) {
  ASSERT_NO_FATAL_FAILURE(open("/echo"));
  client->close(1000, "client done");
  EXPECT_EQ(server_close_line(), "close 1000 client done");
  ASSERT_TRUE(events.wait([](const Events& e) { return e.stopped() == 1; }));
  auto closes = events.close_events();
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].first, 1000);  // the server's answer echoes the code
  EXPECT_TRUE(events.errors().empty());
}

TEST_P(IndependentServer, ServerCloseCodeReachesOnClose) {
  ASSERT_NO_FATAL_FAILURE(open("/close/4001"));
  ASSERT_TRUE(events.wait([](const Events& e) { return e.closes() == 1 && e.stopped() == 1; }));
  auto closes = events.close_events();
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].first, 4001);
  EXPECT_EQ(closes[0].second, "server says bye");
  // The client answered the close echoing the code (RFC 6455 §5.5.1; the reason need not be).
  EXPECT_EQ(server_close_line().rfind("close 4001", 0), 0u);
  EXPECT_EQ(events.opens(), 1);
}

TEST_P(IndependentServer, ServerPingGetsPong) {
  ASSERT_NO_FATAL_FAILURE(open("/ping"));
  ASSERT_TRUE(events.wait([](const Events& e) { return !e.messages().empty(); }))
      << "no pong reached the server";
  EXPECT_EQ(events.messages().front().data, "pong probe");
}

TEST_P(IndependentServer, ClientPingsKeepASilentConnectionAlive) {
  // The server never speaks on its own: only the client's pings and the server's pongs keep
  // the idle timeout from closing the connection.
  // Each pong has idle_timeout - ping_interval (1.4 s) to come back, which a busy machine gives.
  auto o = quick_options();
  o.ping_interval = milliseconds(100);
  o.idle_timeout = milliseconds(1500);
  ASSERT_NO_FATAL_FAILURE(open("/echo", o));
  std::this_thread::sleep_for(milliseconds(3000));  // 2 x idle_timeout
  EXPECT_EQ(events.closes(), 0) << "closed: " << events.close_events().front().first << " "
                                << events.close_events().front().second;
  EXPECT_TRUE(client->is_open());
  expect_round_trips({{"still here", Opcode::text}});
}

// permessage-deflate both ways (RFC 7692): the server accepts the client's offer and compresses
// everything it sends, which the client must inflate for the echoes to come back intact, and it
// inflates what the client compressed, which the client's byte count shows far smaller than the
// messages. Similar messages in a row exercise the context a dedicated compressor keeps.
class CompressedServer : public IndependentServer {
 protected:
  void round_trips(sluice::Compression mode) {
    auto o = quick_options();
    o.compression = mode;
    ASSERT_NO_FATAL_FAILURE(open("/extensions", o));
    ASSERT_TRUE(events.wait([](const Events& e) { return !e.messages().empty(); }));
    EXPECT_NE(events.messages().front().data.find("permessage-deflate"), std::string::npos)
        << "the server answered: '" << events.messages().front().data << "'";

    std::string json;
    for (int i = 0; json.size() < 64 * 1024; ++i)
      json += R"({"topic":"sensors/)" + std::to_string(i % 7) + R"(","seq":)" + std::to_string(i) + "},";
    const std::vector<Message> sent = {
        {json, Opcode::text},
        {json.substr(0, 30000), Opcode::text},
        {std::string(100'000, '\x07'), Opcode::binary},
        {"short, under the threshold", Opcode::text},
        {"", Opcode::text},
        {"h\xc3\xa9llo " + std::string(500, 'x'), Opcode::text},
        {json.substr(100, 2000), Opcode::text},
    };
    std::size_t total = 0;
    for (const auto& m : sent) {
      total += m.data.size();
      ASSERT_TRUE(accepted(client->send(m.data, m.opcode)));
    }
    ASSERT_TRUE(events.wait([&](const Events& e) { return e.messages().size() >= sent.size() + 1; }))
        << events.messages().size() - 1 << " of " << sent.size() << " echoed";
    const auto got = events.messages();
    ASSERT_EQ(got.size(), sent.size() + 1);
    for (std::size_t i = 0; i < sent.size(); ++i) {
      EXPECT_EQ(got[i + 1].opcode, sent[i].opcode) << "message " << i;
      EXPECT_TRUE(got[i + 1].data == sent[i].data) << "message " << i << " changed on the way";
    }
    std::uint64_t bytes_sent = 0;
    client->with([&](sluice::Client& c) { bytes_sent = c.stats().bytes_sent; });
    EXPECT_LT(bytes_sent, total / 10) << "the client's messages went uncompressed";
    EXPECT_EQ(events.closes(), 0);
  }
};

TEST_P(CompressedServer, SharedCompressionRoundTripsBothWays) { round_trips(sluice::Compression::shared); }

TEST_P(CompressedServer, DedicatedCompressionRoundTripsBothWays) {
  round_trips(sluice::Compression::dedicated);
}

INSTANTIATE_TEST_SUITE_P(Servers, CompressedServer, ::testing::Values("python", "node"),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Servers, IndependentServer, ::testing::Values("python", "node"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice_client_test
