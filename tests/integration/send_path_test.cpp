// The send path on a healthy connection: send() says `sent`, the loop flushes before it sleeps
// so buffered_amount() is back to 0, and many sends in one callback all arrive in order.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

struct Recorder {
  Tally tally;
  std::atomic<int> statuses[5] = {};  // indexed by SendStatus
  std::atomic<int> sends{0};
  void count(sluice::SendStatus s) {
    statuses[static_cast<int>(s)].fetch_add(1);
    sends.fetch_add(1);
  }
  int of(sluice::SendStatus s) const { return statuses[static_cast<int>(s)].load(); }

  sluice::Behaviors behaviors() {
    sluice::Behaviors b = echo_behaviors(tally);
    b.on_message = [this](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
      tally.messages.fetch_add(1);
      if (data == "buffered?") {
        // Measured before this callback sends anything: what earlier turns left behind.
        std::string answer = "buffered=" + std::to_string(ws.buffered_amount());
        count(ws.send_text(answer));
      } else if (data.starts_with("burst ")) {
        int n = std::stoi(std::string(data.substr(6)));
        for (int i = 0; i < n; ++i) count(ws.send_text("m" + std::to_string(i)));
      } else {
        count(ws.send(data, opcode));
      }
    };
    return b;
  }
};

TEST(SendPath, SendOnAnIdleConnectionReturnsSentAndTheLoopFlushes) {
  Recorder rec;
  ServerThread srv(test_options(), rec.behaviors());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  expect_echo(c, "one");
  ASSERT_TRUE(c.send_frame(op::text, "buffered?"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->payload, "buffered=0");
  EXPECT_EQ(rec.sends.load(), 2);
  EXPECT_EQ(rec.of(sluice::SendStatus::sent), 2) << "queued=" << rec.of(sluice::SendStatus::queued);
}

TEST(SendPath, ManySendsInOneCallbackArriveInOrder) {
  Recorder rec;
  ServerThread srv(test_options(), rec.behaviors());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  constexpr int kN = 500;
  ASSERT_TRUE(c.send_frame(op::text, "burst " + std::to_string(kN)));
  for (int i = 0; i < kN; ++i) {
    auto f = c.read_frame();
    ASSERT_TRUE(f.has_value()) << "message " << i << " missing";
    ASSERT_EQ(f->payload, "m" + std::to_string(i));
  }
  ASSERT_TRUE(c.send_frame(op::text, "buffered?"));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->payload, "buffered=0");
  // Every send had exactly one outcome, and nothing was refused on an idle connection.
  EXPECT_EQ(rec.sends.load(), kN + 1);
  EXPECT_EQ(rec.of(sluice::SendStatus::sent) + rec.of(sluice::SendStatus::queued), kN + 1);
}

TEST(SendPath, OpcodeIsPreserved) {
  Recorder rec;
  ServerThread srv(test_options(), rec.behaviors());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::binary, "bin"));
  auto b = c.read_frame();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->opcode, op::binary);
  EXPECT_EQ(b->rsv, 0);
  EXPECT_FALSE(b->masked) << "server frames are never masked (§5.1)";
  expect_echo(c, "txt");
}

}  // namespace
}  // namespace sluice_test
