// Answers given later (HttpResponse::later, HttpStream::respond): nothing is written until the
// route responds; then the whole response goes out, the stream's on_close follows, and a
// kept-alive connection reads its next requests, which waited behind the answer in the order
// they were sent. A client that asked to close is closed; a client that goes away first ends the
// wait with one on_close.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <string>
#include <thread>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

using namespace std::chrono_literals;

// The streams of answers not given yet, oldest first; touched on the server's loop only.
struct Waiting {
  std::deque<sluice::HttpStream> streams;
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
};

// The request's body rides along as the stream's user data, so that an answer says which
// request it answers.
sluice::StreamBehaviors later_behaviors(Waiting& w, bool answer_in_on_open) {
  sluice::StreamBehaviors b;
  b.on_open = [&w, answer_in_on_open](sluice::HttpStream st) {
    w.opens.fetch_add(1);
    if (answer_in_on_open) {
      st.respond({200, "text/plain", "at once " + *st.user<std::string>()});
    } else {
      w.streams.push_back(st);
    }
  };
  b.on_close = [&w](sluice::HttpStream st) {
    std::erase(w.streams, st);
    w.closes.fetch_add(1);
  };
  b.destroy_user_data = [](void* p) { delete static_cast<std::string*>(p); };
  return b;
}

sluice::HttpResponse answer_later(const sluice::HttpRequest& req) {
  return sluice::HttpResponse::later(new std::string(req.body));
}

class DeferredResponse : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerThread>(test_options(), sluice::Behaviors{}, [this](sluice::Server& s) {
      s.route("POST", "/later", answer_later, later_behaviors(w, false));
      s.route("GET", "/later", answer_later, later_behaviors(w, false));
      s.route("POST", "/at-once", answer_later, later_behaviors(w, true));
      s.route("GET", "/now", [](const sluice::HttpRequest&) {
        return sluice::HttpResponse{200, "text/plain", "now"};
      });
    });
  }

  // Answers the oldest waiting request with its own body after `prefix`.
  bool answer_oldest(int status, std::string_view prefix = "answer to ") {
    return server->on_loop([&] {
      ASSERT_FALSE(w.streams.empty());
      sluice::HttpStream st = w.streams.front();
      const sluice::SendStatus sent =
          st.respond({status, "text/plain", std::string(prefix) + *st.user<std::string>()});
      EXPECT_NE(sent, sluice::SendStatus::closed);
      EXPECT_FALSE(st.is_open());  // answered: the handle is not for sending any more
    });
  }

  static std::string post(std::string_view path, std::string_view body, std::string_view extra = {}) {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extra) + "\r\n" + std::string(body);
  }
  static constexpr std::string_view kGetNow = "GET /now HTTP/1.1\r\nHost: x\r\n\r\n";

  Waiting w;
  std::unique_ptr<ServerThread> server;
};

TEST_F(DeferredResponse, NothingIsWrittenUntilTheRouteRespondsAndTheConnectionThenStays) {
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(post("/later", "hi")));
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  ASSERT_TRUE(server->on_loop([&] { EXPECT_TRUE(w.streams.front().is_open()); }));
  EXPECT_FALSE(c.read_http(200ms).has_value());

  ASSERT_TRUE(answer_oldest(503));
  auto reply = c.read_http();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->body, "answer to hi");
  EXPECT_EQ(reply->header("connection").value_or(""), "keep-alive");
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 1; }));
  EXPECT_TRUE(wait_until([&] { return server->stats().connections_open == 0; }));

  // The same connection serves the next request.
  ASSERT_TRUE(c.send_raw(kGetNow));
  reply = c.read_http();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "now");
}

TEST_F(DeferredResponse, AClientThatAskedToCloseIsAnsweredThenClosed) {
  {
    RawClient c(server->port());
    ASSERT_TRUE(c.send_raw(post("/later", "bye", "Connection: close\r\n")));
    ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
    ASSERT_TRUE(answer_oldest(200));
    auto reply = c.read_http();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, "answer to bye");
    EXPECT_EQ(reply->header("connection").value_or(""), "close");
    EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
  }
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 1; }));
}

TEST_F(DeferredResponse, RequestsSentBehindALaterAnswerWaitForItAndAreAnsweredInOrder) {
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(post("/later", "one") + post("/later", "two") + std::string(kGetNow)));
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  EXPECT_FALSE(c.read_http(200ms).has_value());
  EXPECT_EQ(w.opens.load(), 1);  // the second request waits behind the first's answer

  ASSERT_TRUE(answer_oldest(201));
  auto first = c.read_http();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(first->body, "answer to one");
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 2; }));
  EXPECT_FALSE(c.read_http(100ms).has_value());  // GET /now waits behind the second

  ASSERT_TRUE(answer_oldest(202));
  auto second = c.read_http();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 202);
  EXPECT_EQ(second->body, "answer to two");
  auto third = c.read_http();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body, "now");
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 2; }));
}

TEST_F(DeferredResponse, AnAnswerGivenInsideOnOpenLetsTheNextRequestsThrough) {
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw(post("/at-once", "a") + post("/at-once", "b") + std::string(kGetNow)));
  for (std::string_view want : {"at once a", "at once b", "now"}) {
    auto reply = c.read_http();
    ASSERT_TRUE(reply) << want;
    EXPECT_EQ(reply->body, want);
    EXPECT_EQ(reply->header("connection").value_or(""), "keep-alive");
  }
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 2; }));
}

TEST_F(DeferredResponse, AHeadRequestAnsweredLaterGetsTheHeadAlone) {
  RawClient c(server->port());
  ASSERT_TRUE(c.send_raw("HEAD /later HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  ASSERT_TRUE(answer_oldest(200, "twelve bytes"));
  auto head = c.read_http(kWait, /*head_only=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length").value_or(""), "12");
  // No body went out: the next reply's head follows at once.
  ASSERT_TRUE(c.send_raw(kGetNow));
  auto next = c.read_http();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "now");
}

TEST_F(DeferredResponse, ManyRequestsBehindALaterAnswerAreAllServedAfterIt) {
  // Far more than one answer holds before the connection stops reading: the rest waits in the
  // socket, and all of it is served once the answer is given.
  constexpr int kBehind = 6'000;  // about 180 KB of requests
  RawClient c(server->port());
  std::string burst = post("/later", "first");
  for (int i = 0; i < kBehind; ++i) burst += kGetNow;
  ASSERT_TRUE(c.send_raw(burst));
  ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  ASSERT_TRUE(answer_oldest(200));
  auto first = c.read_http();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "answer to first");
  for (int i = 0; i < kBehind; ++i) {
    auto reply = c.read_http();
    ASSERT_TRUE(reply) << "reply " << i;
    ASSERT_EQ(reply->body, "now") << "reply " << i;
  }
}

TEST_F(DeferredResponse, AClientThatLeavesFirstEndsTheWaitWithOneOnClose) {
  {
    RawClient c(server->port());
    ASSERT_TRUE(c.send_raw(post("/later", "")));
    ASSERT_TRUE(wait_until([&] { return w.opens.load() == 1; }));
  }
  EXPECT_TRUE(wait_until([&] { return w.closes.load() == 1; }));
  EXPECT_TRUE(wait_until([&] { return server->stats().connections_open == 0; }));
}

}  // namespace
}  // namespace sluice_test
