// Slow consumers: connection "ctl" says "go" and the server pushes 1,000 x 10 KiB to connection
// "sink", which does not read (small SO_RCVBUF, small server SO_SNDBUF). Each policy must keep
// the sink's queue capped and give every send exactly one outcome; the assertions count bytes
// and outcomes, never speed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

constexpr int kMessages = 1000;
constexpr std::size_t kMessageSize = 10 * 1024;
constexpr std::size_t kCap = 64 * 1024;

int kSinkTag = 1;
int kCtlTag = 2;

// Message i: its 4-byte big-endian index, then a byte pattern derived from it.
std::string make_message(int i) {
  std::string m(kMessageSize, '\0');
  for (int k = 0; k < 4; ++k) m[static_cast<std::size_t>(k)] = static_cast<char>((i >> (24 - 8 * k)) & 0xFF);
  for (std::size_t k = 4; k < m.size(); ++k) m[k] = static_cast<char>('a' + (i + static_cast<int>(k)) % 26);
  return m;
}

int index_of(const std::string& payload) {
  if (payload.size() < 4) return -1;
  int i = 0;
  for (int k = 0; k < 4; ++k) i = i << 8 | static_cast<std::uint8_t>(payload[static_cast<std::size_t>(k)]);
  return i;
}

struct Burst {
  Tally tally;
  std::optional<sluice::WebSocket> sink;  // loop thread only
  std::atomic<int> outcomes[5] = {};      // indexed by SendStatus
  std::atomic<std::size_t> max_buffered{0};
  std::atomic<int> sink_closes{0};
  std::atomic<int> sink_drains{0};
  std::atomic<int> resumed_status{-1};

  int of(sluice::SendStatus s) const { return outcomes[static_cast<int>(s)].load(); }
  int total() const {
    int n = 0;
    for (const auto& o : outcomes) n += o.load();
    return n;
  }

  sluice::Behaviors behaviors() {
    sluice::Behaviors b = echo_behaviors(tally);
    b.on_upgrade = [](const sluice::UpgradeRequest& req) {
      return sluice::UpgradeDecision::accept({}, req.path == "/sink" ? &kSinkTag : &kCtlTag);
    };
    b.on_open = [this](sluice::WebSocket ws) {
      tally.opens.fetch_add(1);
      if (ws.user_data() == &kSinkTag) sink = ws;
    };
    b.on_message = [this](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
      tally.messages.fetch_add(1);
      if (ws.user_data() == &kCtlTag && data == "go" && sink) {
        for (int i = 0; i < kMessages; ++i) {
          sluice::SendStatus s = sink->send(make_message(i), sluice::Opcode::binary);
          outcomes[static_cast<int>(s)].fetch_add(1);
          std::size_t now = sink && sink->is_open() ? sink->buffered_amount() : 0;
          if (now > max_buffered.load()) max_buffered = now;
        }
        ws.send_text("done");
        return;
      }
      ws.send(data, opcode);
    };
    b.on_drain = [this](sluice::WebSocket ws) {
      tally.drains.fetch_add(1);
      if (ws.user_data() != &kSinkTag) return;
      sink_drains.fetch_add(1);
      resumed_status = static_cast<int>(ws.send_text("resumed"));
    };
    b.on_close = [this](sluice::WebSocket ws, std::uint16_t code, std::string_view reason) {
      if (ws.user_data() == &kSinkTag) {
        sink.reset();
        sink_closes.fetch_add(1);
      }
      tally.record_close(code, reason);
    };
    return b;
  }
};

sluice::ServerOptions burst_options(sluice::SlowConsumerPolicy policy) {
  sluice::ServerOptions o = test_options();
  o.policy = policy;
  o.max_buffered_bytes = kCap;
  o.low_watermark = 8 * 1024;
  o.send_buffer_bytes = 4096;
  o.write_timeout = milliseconds(0);
  o.close_grace = milliseconds(0);
  // Under close, the slow consumer's queue and close frame wait until the sink reads them; a
  // close deadline that a busy machine could reach first would cut what send() reported sent.
  o.close_timeout = milliseconds(60'000);
  return o;
}

class SlowConsumer : public ::testing::Test {
 protected:
  void start(sluice::SlowConsumerPolicy policy) {
    server = std::make_unique<ServerThread>(burst_options(policy), burst.behaviors());
    sink = std::make_unique<RawClient>(server->port(), /*rcvbuf=*/4096);
    ASSERT_TRUE(sink->handshake("/sink"));
    ctl = std::make_unique<RawClient>(server->port());
    ASSERT_TRUE(ctl->handshake("/ctl"));
    ASSERT_TRUE(ctl->send_frame(op::text, "go"));
    auto done = ctl->read_frame(milliseconds(10'000));
    ASSERT_TRUE(done.has_value()) << "the burst did not finish";
    ASSERT_EQ(done->payload, "done");
    EXPECT_EQ(burst.total(), kMessages) << "every send has exactly one outcome";
  }
  // Reads the sink's binary frames in order, checking each is intact; stops at the first
  // non-binary frame (returned), at EOF or reset, or after `limit` frames.
  std::optional<Frame> read_sink(int limit, std::vector<int>& indices) {
    for (int n = 0; n < limit + 1; ++n) {
      auto f = sink->read_frame(milliseconds(5000));
      if (!f) return std::nullopt;
      if (f->opcode != op::binary) return f;
      int i = index_of(f->payload);
      EXPECT_TRUE(f->payload == make_message(i)) << "message " << i << " damaged";
      indices.push_back(i);
      if (static_cast<int>(indices.size()) == limit) return std::nullopt;
    }
    return std::nullopt;
  }
  void TearDown() override {
    ctl.reset();
    sink.reset();
    server.reset();
  }

  Burst burst;
  std::unique_ptr<ServerThread> server;
  std::unique_ptr<RawClient> sink;
  std::unique_ptr<RawClient> ctl;
};

TEST_F(SlowConsumer, ClosePolicyClosesWith1008) {
  ASSERT_NO_FATAL_FAILURE(start(sluice::SlowConsumerPolicy::close));
  int accepted = burst.of(sluice::SendStatus::sent) + burst.of(sluice::SendStatus::queued);
  EXPECT_GE(burst.of(sluice::SendStatus::closed), 1) << "sends after the policy closed it must say closed";
  EXPECT_EQ(burst.of(sluice::SendStatus::would_block), 0);
  EXPECT_LT(accepted, kMessages);

  // The sink reads now: a prefix of intact messages, then a close 1008, or the cut itself.
  std::vector<int> indices;
  auto last = read_sink(kMessages, indices);
  for (std::size_t k = 0; k < indices.size(); ++k) ASSERT_EQ(indices[k], static_cast<int>(k));
  EXPECT_LE(static_cast<int>(indices.size()), accepted);
  if (last) {
    ASSERT_EQ(last->opcode, op::close);
    EXPECT_EQ(last->close_code(), 1008);
    EXPECT_EQ(last->close_reason(), "slow consumer");
    ASSERT_TRUE(sink->send_frame(op::close, close_body(1008)));
  }
  EXPECT_NE(sink->drain_until_closed(), ReadStatus::timeout) << "the slow consumer was not disconnected";
  EXPECT_TRUE(wait_until([&] { return burst.sink_closes.load() == 1; }));
  expect_echo(*ctl, "ctl unaffected");
  EXPECT_EQ(burst.tally.opens.load(), 2);
}

// SendStatus::sent promises "the whole frame went to the socket (or will, in this loop turn's
// corked flush)": closing a slow consumer must not take back a message already reported sent.
TEST_F(SlowConsumer, ClosePolicyStillDeliversWhatSendReportedSent) {
  ASSERT_NO_FATAL_FAILURE(start(sluice::SlowConsumerPolicy::close));
  int reported_sent = burst.of(sluice::SendStatus::sent);
  ASSERT_GE(reported_sent, 1);
  std::vector<int> indices;
  auto last = read_sink(kMessages, indices);
  EXPECT_GE(static_cast<int>(indices.size()), reported_sent)
      << reported_sent << " send(s) returned sent, but only " << indices.size()
      << " message(s) arrived before " << (last ? "the close frame" : "the end of the connection");
  if (last) {
    EXPECT_EQ(last->close_code(), 1008);
  }
}

TEST_F(SlowConsumer, DropNewestRefusesAndStaysUnderTheCap) {
  ASSERT_NO_FATAL_FAILURE(start(sluice::SlowConsumerPolicy::drop_newest));
  int accepted = burst.of(sluice::SendStatus::sent) + burst.of(sluice::SendStatus::queued);
  EXPECT_GE(burst.of(sluice::SendStatus::dropped), 1);
  EXPECT_EQ(burst.of(sluice::SendStatus::closed), 0);
  EXPECT_EQ(burst.of(sluice::SendStatus::would_block), 0);
  EXPECT_GE(accepted, 1);
  EXPECT_LE(burst.max_buffered.load(), kCap + kMessageSize + 14);

  // Every accepted message arrives intact and in order; no dropped one does.
  std::vector<int> indices;
  auto extra = read_sink(accepted, indices);
  EXPECT_FALSE(extra.has_value()) << "unexpected frame, opcode " << int(extra ? extra->opcode : 0);
  ASSERT_EQ(static_cast<int>(indices.size()), accepted);
  for (std::size_t k = 1; k < indices.size(); ++k) EXPECT_LT(indices[k - 1], indices[k]);
  // The queue was over its cap and fell under the low watermark as the sink read: on_drain.
  auto resumed = sink->read_frame();
  ASSERT_TRUE(resumed.has_value()) << "no message sent from on_drain";
  EXPECT_EQ(resumed->payload, "resumed");
  EXPECT_EQ(burst.sink_drains.load(), 1);
  // The connection is still healthy both ways.
  expect_echo(*sink, "sink alive");
  expect_echo(*ctl, "ctl alive");
  EXPECT_EQ(burst.sink_closes.load(), 0);
}

TEST_F(SlowConsumer, BackpressureRefusesWithWouldBlockThenDrains) {
  ASSERT_NO_FATAL_FAILURE(start(sluice::SlowConsumerPolicy::backpressure));
  int accepted = burst.of(sluice::SendStatus::sent) + burst.of(sluice::SendStatus::queued);
  EXPECT_GE(burst.of(sluice::SendStatus::would_block), 1);
  EXPECT_EQ(burst.of(sluice::SendStatus::dropped), 0);
  EXPECT_EQ(burst.of(sluice::SendStatus::closed), 0);
  EXPECT_LE(burst.max_buffered.load(), kCap + kMessageSize + 14);
  // The sink has read nothing, so its queue cannot have drained yet.
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(burst.sink_drains.load(), 0) << "on_drain fired before the sink read anything";

  std::vector<int> indices;
  auto after = read_sink(accepted, indices);
  EXPECT_FALSE(after.has_value());
  ASSERT_EQ(static_cast<int>(indices.size()), accepted);
  for (std::size_t k = 0; k < indices.size(); ++k) EXPECT_EQ(indices[k], static_cast<int>(k));
  // Reading let the queue fall under the low watermark: on_drain, whose send goes out.
  auto resumed = sink->read_frame();
  ASSERT_TRUE(resumed.has_value()) << "no message sent from on_drain";
  EXPECT_EQ(resumed->opcode, op::text);
  EXPECT_EQ(resumed->payload, "resumed");
  EXPECT_EQ(burst.sink_drains.load(), 1);
  int resumed_status = burst.resumed_status.load();
  EXPECT_TRUE(resumed_status == static_cast<int>(sluice::SendStatus::sent) ||
              resumed_status == static_cast<int>(sluice::SendStatus::queued))
      << "send from on_drain: " << sluice::to_string(static_cast<sluice::SendStatus>(resumed_status));
  expect_echo(*sink, "sink alive");
  EXPECT_EQ(burst.sink_closes.load(), 0);
}

}  // namespace
}  // namespace sluice_test
