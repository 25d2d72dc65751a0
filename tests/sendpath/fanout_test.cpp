// Fan-out: publish reaches every subscriber exactly once; unsubscribing stops delivery; a
// closed connection leaves its topics.
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr int kSubscribers = 20;

struct FanoutFixture {
  Record rec;
  std::unique_ptr<ServerThread> srv;
  std::vector<std::unique_ptr<RawClient>> clients;

  void start(int n) {
    sluice::Behaviors more;
    more.on_open = [](sluice::WebSocket ws) { ws.subscribe("news"); };
    more.on_message = [](sluice::WebSocket ws, std::string_view data, sluice::Opcode) {
      if (data == "unsubscribe") ws.unsubscribe("news");
      if (data == "is-subscribed?") ws.send_text(ws.is_subscribed("news") ? "yes" : "no");
    };
    srv = std::make_unique<ServerThread>(base_options(), recording(rec, more));
    clients = connect_clients(srv->port(), n);
    ASSERT_TRUE(wait_until([&] { return rec.opens.load() == n; }));
  }
  sluice::PublishResult publish(std::string_view data) {
    return srv->ask([&] { return srv->server().publish("news", data); });
  }
};

TEST(Fanout, EverySubscriberReceivesEachPublishExactlyOnceInOrder) {
  FanoutFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start(kSubscribers));
  for (int i = 0; i < 50; ++i) {
    sluice::PublishResult r = fx.publish(numbered(i, 100 + i * 100));
    ASSERT_EQ(r.receivers(), static_cast<std::uint32_t>(kSubscribers));
    EXPECT_EQ(r.sent + r.queued, static_cast<std::uint32_t>(kSubscribers));
  }
  ASSERT_TRUE(fx.srv->on_loop([&] { fx.srv->server().publish("news", "end", sluice::Opcode::text); }));
  for (auto& c : fx.clients) {
    int got = 0;
    ASSERT_EQ(c->read_frames(kWait,
                             [&](std::uint8_t opcode, std::string_view p) {
                               if (opcode == op::text) {
                                 EXPECT_EQ(p, "end");
                                 return false;
                               }
                               EXPECT_EQ(seq_of(p), static_cast<std::uint64_t>(got));
                               EXPECT_TRUE(intact(p));
                               ++got;
                               return true;
                             }),
              ReadStatus::ok);
    EXPECT_EQ(got, 50);
  }
}

TEST(Fanout, PublishFromAnotherThreadReachesEverySubscriber) {
  FanoutFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start(kSubscribers));
  for (int i = 0; i < 50; ++i) fx.srv->server().publish("news", numbered(i, 500));
  for (auto& c : fx.clients) {
    int got = 0;
    ASSERT_EQ(c->read_frames(kWait,
                             [&](std::uint8_t, std::string_view p) {
                               EXPECT_EQ(seq_of(p), static_cast<std::uint64_t>(got));
                               return ++got < 50;
                             }),
              ReadStatus::ok);
  }
  EXPECT_TRUE(wait_until([&] { return fx.srv->stats().messages_sent >= 50u * kSubscribers; }));
}

TEST(Fanout, UnsubscribeStopsDelivery) {
  FanoutFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start(3));
  ASSERT_TRUE(fx.clients[1]->send_frame(op::text, "unsubscribe"));
  ASSERT_TRUE(fx.clients[1]->send_frame(op::text, "is-subscribed?"));
  auto answer = fx.clients[1]->read_frame();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->payload, "no");
  sluice::PublishResult r = fx.publish(numbered(1, 64));
  EXPECT_EQ(r.receivers(), 2u);
  // Client 1 gets nothing from the topic: the next thing it sees is a direct reply.
  ASSERT_TRUE(fx.clients[1]->send_frame(op::text, "is-subscribed?"));
  answer = fx.clients[1]->read_frame();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->payload, "no") << "a message published after unsubscribe was delivered";
  for (int i : {0, 2}) {
    auto f = fx.clients[i]->read_frame();
    ASSERT_TRUE(f);
    EXPECT_EQ(seq_of(f->payload), 1u);
  }
}

TEST(Fanout, AClosedConnectionIsRemovedFromItsTopics) {
  FanoutFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start(3));
  fx.clients[0]->close();  // gone without a close frame
  ASSERT_TRUE(wait_until([&] { return fx.rec.closes.load() == 1; }));
  sluice::PublishResult r = fx.publish("after");
  EXPECT_EQ(r.receivers(), 2u);
  EXPECT_EQ(r.closed, 0u);
  // A closing handshake also removes the subscriber.
  ASSERT_TRUE(fx.clients[1]->send_frame(op::close, std::string("\x03\xe8", 2)));
  ASSERT_TRUE(wait_until([&] { return fx.rec.closes.load() == 2; }));
  // Until the server has finished its side of the close (the peer's EOF), publish reports the
  // closing subscriber as `closed`; once the connection is gone it is no receiver at all.
  r = fx.publish("after2");
  EXPECT_EQ(r.receivers() - r.closed, 1u);
  EXPECT_EQ(fx.clients[1]->drain_until_closed(kWait), ReadStatus::ok);
  fx.clients[1]->close();
  ASSERT_TRUE(wait_until(
      [&] { return fx.srv->stats().connections_accepted == 3 && fx.publish("x").receivers() == 1; }));
  r = fx.publish("after3");
  EXPECT_EQ(r.receivers(), 1u);
  EXPECT_EQ(fx.srv->stats().connections_open, 1u);
}

}  // namespace
}  // namespace sluice_test
