// The input side: a peer that floods an echo server and never reads stops being read once its
// own queue is at the cap, so it cannot grow the server; reading again resumes the conversation.
#include <gtest/gtest.h>

#include <chrono>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kCap = 64 * 1024;
constexpr std::size_t kPayload = 1000;

TEST(InputSide, AFloodingPeerThatNeverReadsIsNoLongerReadOnceItsQueueIsAtTheCap) {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.policy = sluice::SlowConsumerPolicy::drop_newest;
  o.send_buffer_bytes = 8192;
  o.write_timeout = milliseconds(0);
  std::atomic<std::uint64_t> messages{0};
  Record rec;
  sluice::Behaviors more;
  more.on_message = [&](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
    messages.fetch_add(1);
    ws.send(data, opcode);
  };
  ServerThread srv(o, recording(rec, more));
  RawClient flood(srv.port(), 4096);
  ASSERT_TRUE(flood.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));

  // Write frames until the server has paused reading, which it does once the echoes it cannot
  // send put the connection at its cap (a drop under drop_newest), and the socket no longer
  // takes anything. Both are facts about the server, not about time: a busy machine that is
  // merely slow to read does not end the flood early. Bounded at 64 MiB, and by a minute.
  const std::string one = frame(op::binary, numbered(0, kPayload));
  std::size_t written = 0, offset = 0;
  sluice::WebSocket ws = srv.ask([&] { return rec.open.front(); });
  auto at_cap = [&] { return srv.ask([&] { return ws.stats().messages_dropped > 0; }); };
  const auto give_up = std::chrono::steady_clock::now() + milliseconds(60'000);
  bool paused = false;
  while (written < 64u * 1024 * 1024 && std::chrono::steady_clock::now() < give_up) {
    std::size_t n = flood.send_some(std::string_view(one).substr(offset));
    if (n > 0) {
      written += n;
      offset = (offset + n) % one.size();
      continue;
    }
    // Full: once the server is at its cap, one more try tells whether it still reads.
    if (paused) break;
    paused = at_cap();
    if (!paused) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(at_cap()) << "the queue never reached its cap";
  EXPECT_LT(written, 64u * 1024 * 1024) << "the server never stopped reading";
  // Read on the loop thread: the turn that paused reading has finished handling its input.
  std::uint64_t handled = srv.ask([&] { return messages.load(); });
  std::printf("the flood stalled after %zu bytes written, %llu messages handled\n", written,
              static_cast<unsigned long long>(handled));

  // The server no longer reads: its message count stands still, and its memory is bounded.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(messages.load(), handled) << "the server kept reading a peer whose queue is at the cap";
  sluice::ServerStats ss = srv.stats();
  // Bound: the cap, plus the echoes of one read (64 KiB of input, all of them frames), each
  // counted with room for the queue's own bookkeeping.
  const std::size_t bound = kCap + 64 * 1024 + (64 * 1024 / kPayload + 1) * 256;
  EXPECT_LE(ss.buffered_bytes, bound);
  EXPECT_LE(ss.buffered_high_water, bound);
  // Reading stays paused until the queue drains below the low watermark, so it holds at least
  // that much (how much more depends on what the kernel's buffers took meanwhile).
  EXPECT_GE(srv.ask([&] { return ws.buffered_memory(); }), o.low_watermark)
      << "paused below the low watermark";

  // Reading again: echoes flow, the server resumes reading the backlog, and in the end every
  // whole frame written was handled, and echoed or dropped by the policy, once. Read until the
  // server has handled them all (a minute at most): a pause in a busy machine's server thread
  // must not end the reading early.
  const std::uint64_t frames_written = written / one.size();
  std::uint64_t echoes = 0;
  auto settled = [&] {
    return srv.ask([&] {
      sluice::ServerStats now = srv.server().stats();
      return messages.load() == frames_written && echoes + now.messages_dropped == frames_written &&
             now.buffered_bytes == 0;
    });
  };
  ReadStatus r = ReadStatus::timeout;
  const auto read_until = std::chrono::steady_clock::now() + milliseconds(60'000);
  do {
    r = flood.read_frames(milliseconds(200), [&](std::uint8_t, std::string_view p) {
      EXPECT_EQ(p.size(), kPayload);
      ++echoes;
      return true;
    });
  } while (r == ReadStatus::timeout && !settled() && std::chrono::steady_clock::now() < read_until);
  EXPECT_EQ(r, ReadStatus::timeout) << "the connection ended";
  EXPECT_GT(messages.load(), handled) << "reading did not resume";
  EXPECT_EQ(messages.load(), frames_written) << "not every frame written was handled";
  EXPECT_EQ(echoes + srv.stats().messages_dropped, messages.load());
  EXPECT_EQ(srv.stats().buffered_bytes, 0u);
}

}  // namespace
}  // namespace sluice_test
