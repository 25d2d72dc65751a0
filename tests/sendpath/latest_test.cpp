// latest: conflation. A subscriber over its cap keeps only the newest pending value of the topic
// being published; a stalled subscriber of two topics, once it reads, gets what the kernel held
// and then values that only ever increase per topic, ending with the newest of each.
#include <gtest/gtest.h>

#include <map>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;
constexpr std::size_t kFrame = wire_size(kPayload);
const std::size_t kCharge = sluice::queued_message_cost(kPayload);  // what the cap counts

// Even sequence numbers go to topic A, odd ones to B.
const char* topic_of(std::uint64_t seq) { return seq % 2 == 0 ? "A" : "B"; }

struct LatestFixture {
  Record rec;
  sluice::Behaviors more;
  std::unique_ptr<ServerThread> srv;
  std::unique_ptr<RawClient> stalled;

  void start() {
    sluice::ServerOptions o = base_options();
    o.max_buffered_bytes = kCap;
    o.low_watermark = kCap / 4;
    o.policy = sluice::SlowConsumerPolicy::latest;
    o.send_buffer_bytes = 8192;
    o.write_timeout = milliseconds(0);
    // Subscribing from on_message (not on_open) keeps the 101 response out of the
    // connection's counters, which this test reads (see Counters.HandshakeResponse...).
    more.on_message = [](sluice::WebSocket ws, std::string_view data, sluice::Opcode) {
      if (data != "sub") return;
      ws.subscribe("A");
      ws.subscribe("B");
    };
    srv = std::make_unique<ServerThread>(o, recording(rec, more));
    stalled = std::make_unique<RawClient>(srv->port(), 4096);
    ASSERT_TRUE(stalled->handshake());
    ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
    ASSERT_TRUE(stalled->send_frame(op::text, "sub"));
    ASSERT_TRUE(wait_until([&] { return srv->ask([&] { return conn().is_subscribed("B"); }); }));
  }
  sluice::WebSocket conn() { return rec.open.front(); }
};

sluice::SendStatus only(const sluice::PublishResult& r) {
  EXPECT_EQ(r.receivers(), 1u);
  if (r.sent) return sluice::SendStatus::sent;
  if (r.queued) return sluice::SendStatus::queued;
  if (r.would_block) return sluice::SendStatus::would_block;
  if (r.dropped) return sluice::SendStatus::dropped;
  return sluice::SendStatus::closed;
}

TEST(Latest, AtTheCapEveryPendingValueOfTheTopicIsReplacedByTheNewOne) {
  LatestFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start());
  auto publish = [&](std::uint64_t seq, std::string_view m) {
    return only(fx.srv->server().publish(topic_of(seq), m));
  };
  // Fill the queue up to the cap with A, B, A, B, ... without going over it.
  std::vector<Sent> sent = pump(
      *fx.srv, [&] { return fx.conn(); }, publish, kPayload,
      [](const std::vector<Sent>& v) { return !v.empty() && v.back().memory + kCharge > kCap; }, 20000);
  ASSERT_FALSE(sent.empty());
  ASSERT_EQ(sent.back().dropped_so_far, 0u);
  ASSERT_GT(sent.back().memory + kCharge, kCap);

  // One more value of A: over the cap, so every unsent A goes and the new one is queued. What
  // the kernel has taken is read in the same loop task as the publish: the kernel may take
  // more at any time before it.
  const std::uint64_t newest_a = sent.size() % 2 == 0 ? sent.size() : sent.size() + 1;
  sluice::ConnectionStats before;
  auto publish_newest = [&](std::uint64_t seq, std::string_view m) {
    before = fx.conn().stats();
    return publish(seq, m);
  };
  std::vector<Sent> more = pump(
      *fx.srv, [&] { return fx.conn(); }, publish_newest, kPayload,
      [](const std::vector<Sent>& v) { return !v.empty(); }, 1, 1, newest_a);
  ASSERT_EQ(more.size(), 1u);
  // Frames the kernel took whole; the next one may be partly written (and so must stay).
  const std::uint64_t in_kernel = before.messages_sent;
  const bool front_started = before.bytes_sent > in_kernel * kFrame;
  std::uint64_t first_unstarted = in_kernel + (front_started ? 1 : 0);
  std::uint64_t pending_a = 0;
  for (std::uint64_t s = first_unstarted; s < sent.size(); ++s) pending_a += s % 2 == 0;
  ASSERT_GT(pending_a, 2u);
  EXPECT_EQ(more[0].status, sluice::SendStatus::queued);
  EXPECT_EQ(more[0].dropped_so_far, pending_a);
  EXPECT_LE(more[0].memory, kCap);

  // Reading now: the kernel's share and the started frame, then every pending B, then the
  // newest A, and nothing else.
  std::vector<std::uint64_t> expected;
  for (std::uint64_t s = 0; s < sent.size(); ++s)
    if (s < first_unstarted || s % 2 == 1) expected.push_back(s);
  expected.push_back(newest_a);
  std::size_t got = 0;
  ReadStatus r = fx.stalled->read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), expected[got]) << "message " << got;
    return ++got < expected.size();
  });
  ASSERT_EQ(r, ReadStatus::ok) << got << " of " << expected.size();
  ASSERT_TRUE(fx.srv->on_loop([&] { fx.conn().send_text("end"); }));
  auto f = fx.stalled->read_frame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "end");
}

TEST(Latest, AStalledSubscriberOfTwoTopicsGetsIncreasingValuesEndingWithTheNewestOfEach) {
  LatestFixture fx;
  ASSERT_NO_FATAL_FAILURE(fx.start());
  auto publish = [&](std::uint64_t seq, std::string_view m) {
    return only(fx.srv->server().publish(topic_of(seq), m));
  };
  std::vector<Sent> sent = pump(
      *fx.srv, [&] { return fx.conn(); }, publish, kPayload,
      [](const std::vector<Sent>& v) { return !v.empty() && v.back().dropped_so_far >= 300; }, 20000, 4);
  ASSERT_FALSE(sent.empty());
  const std::uint64_t dropped = sent.back().dropped_so_far;
  ASSERT_GE(dropped, 300u);
  std::size_t max_buffered = 0;
  for (const Sent& s : sent) {
    ASSERT_TRUE(s.status == sluice::SendStatus::sent || s.status == sluice::SendStatus::queued)
        << "publish " << s.seq << ": " << sluice::to_string(s.status);
    max_buffered = std::max(max_buffered, s.memory);
  }
  EXPECT_LE(max_buffered, kCap);
  sluice::ConnectionStats at_stop = fx.srv->ask([&] { return fx.conn().stats(); });

  const std::uint64_t last = sent.back().seq;
  std::vector<std::uint64_t> got;
  std::map<int, std::uint64_t> newest_seen;
  bool seen_last_a = false, seen_last_b = false;
  ReadStatus r = fx.stalled->read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    std::uint64_t s = seq_of(p);
    EXPECT_TRUE(intact(p));
    got.push_back(s);
    int topic = static_cast<int>(s % 2);
    if (newest_seen.count(topic)) {
      EXPECT_GT(s, newest_seen[topic]) << "topic " << topic_of(s);
    }
    newest_seen[topic] = s;
    seen_last_a |= s == (last % 2 == 0 ? last : last - 1);
    seen_last_b |= s == (last % 2 == 1 ? last : last - 1);
    return !(seen_last_a && seen_last_b);
  });
  ASSERT_EQ(r, ReadStatus::ok) << "the newest value of each topic did not both arrive; got " << got.size();
  EXPECT_EQ(got.size() + dropped, sent.size()) << "every publish was delivered or dropped, once";
  // What the kernel took before the first drop is a gap-free prefix; after what it had taken
  // when the publishing stopped, no more than a queue's worth.
  const std::uint64_t prefix = sent_before_first_drop(sent);
  ASSERT_LE(prefix, got.size());
  for (std::uint64_t i = 0; i < prefix; ++i) ASSERT_EQ(got[i], i);
  EXPECT_LE(got.size() - at_stop.messages_sent, kCap / kCharge + 1);
  sluice::ServerStats ss = fx.srv->stats();
  EXPECT_EQ(ss.messages_dropped, dropped);
  EXPECT_EQ(ss.messages_dropped_by_policy[static_cast<std::size_t>(sluice::SlowConsumerPolicy::latest)],
            dropped);
  EXPECT_EQ(ss.connections_closed_by_policy, 0u);
}

}  // namespace
}  // namespace sluice_test
