// Hostile peers, held to byte bounds by the counters: tiny frames are charged what they hold,
// a ping flood keeps one pending pong, parsing stops within a read once the queue is at its
// cap, the process budget is asked even by an empty queue, and message assembly is inside the
// budget (the peer that would cross it is closed with 1009, nobody else).
#include <gtest/gtest.h>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

// Large next to what the kernel's socket buffers hold, so that a queue of tiny frames is not
// drained by the kernel taking a few kilobytes of them.
constexpr std::size_t kCap = 4 * 1024 * 1024;
// What the process budget counts as a small holder (a queue, held input, a message being
// assembled), which may take the budget's last eighth.
constexpr std::size_t kSmallHolder = 64 * 1024;

sluice::ServerOptions hostile_options(sluice::SlowConsumerPolicy policy) {
  sluice::ServerOptions o = base_options();
  o.max_buffered_bytes = kCap;
  o.low_watermark = kCap / 4;
  o.policy = policy;
  o.send_buffer_bytes = 4096;
  o.write_timeout = milliseconds(0);
  return o;
}

// An echo server recording how many messages it handled.
struct EchoServer {
  std::atomic<std::uint64_t> messages{0};
  Record rec;
  std::unique_ptr<ServerThread> srv;

  explicit EchoServer(sluice::ServerOptions o) {
    sluice::Behaviors more;
    more.on_message = [this](sluice::WebSocket ws, std::string_view data, sluice::Opcode opcode) {
      messages.fetch_add(1);
      ws.send(data, opcode);
    };
    srv = std::make_unique<ServerThread>(o, recording(rec, more));
  }
};

// Writes `bytes` over and over until the server stops taking them for `quiet` or `limit` bytes
// went out; returns how many did.
std::size_t flood(RawClient& c, const std::string& bytes, std::size_t limit,
                  milliseconds quiet = milliseconds(500)) {
  std::size_t written = 0, offset = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  while (written < limit) {
    std::size_t n = c.send_some(std::string_view(bytes).substr(offset));
    if (n > 0) {
      written += n;
      offset = (offset + n) % bytes.size();
      stalled_since = std::chrono::steady_clock::now();
      continue;
    }
    if (std::chrono::steady_clock::now() - stalled_since > quiet) break;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return written;
}

std::string repeated(const std::string& one, std::size_t times) {
  std::string s;
  s.reserve(one.size() * times);
  for (std::size_t i = 0; i < times; ++i) s += one;
  return s;
}

TEST(HostilePeer, OneByteFramesAreChargedTheMemoryTheyHoldSoTheCapBoundsIt) {
  EchoServer echo(hostile_options(sluice::SlowConsumerPolicy::drop_newest));
  RawClient peer(echo.srv->port(), 4096);
  ASSERT_TRUE(peer.handshake());
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == 1; }));

  const std::size_t written = flood(peer, repeated(frame(op::text, "a"), 4096), 64u * 1024 * 1024);
  EXPECT_LT(written, 64u * 1024 * 1024) << "the server never stopped reading";
  sluice::ConnectionStats c = echo.srv->ask([&] { return echo.rec.open.front().stats(); });
  sluice::ServerStats ss = echo.srv->stats();
  std::printf("%zu bytes of 1-byte frames written; queue: %zu wire bytes, %zu charged; process: %zu\n",
              written, c.buffered_bytes, c.buffered_memory, ss.memory_bytes);
  EXPECT_LE(c.buffered_memory, kCap);
  EXPECT_GT(c.buffered_memory, kCap / 2) << "the queue should be near its cap";
  // A queued 3-byte echo holds far more than 3 bytes, and is charged for it.
  const std::size_t cost = sluice::queued_message_cost(1);
  EXPECT_GE(cost, 90u);
  EXPECT_GE(c.buffered_memory, c.buffered_bytes / 3 * cost);
  EXPECT_LE(c.buffered_memory, (c.buffered_bytes / 3 + 1) * cost);
  // What the process holds for this peer: its queue, and at most one read of input held.
  EXPECT_LE(ss.memory_bytes, kCap + 64 * 1024 + 1024);
  EXPECT_GT(ss.messages_dropped, 0u);
}

TEST(HostilePeer, APingFloodThatIsNeverReadLeavesOnePendingPongAnsweringTheNewestPing) {
  EchoServer echo(hostile_options(sluice::SlowConsumerPolicy::close));
  RawClient peer(echo.srv->port(), 4096);
  ASSERT_TRUE(peer.handshake());
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == 1; }));

  // 20,000 pings of 125 bytes (2.6 MB), each naming its number; none of the pongs is read.
  constexpr int kPings = 20'000;
  std::string burst;
  for (int i = 0; i < kPings; ++i) {
    std::string p = numbered(static_cast<std::uint64_t>(i), 125);
    burst += frame(op::ping, p);
  }
  std::size_t sent = 0;
  for (std::size_t offset = 0; offset < burst.size();) {
    std::size_t n = peer.send_some(std::string_view(burst).substr(offset));
    offset += n;
    sent = offset;
    if (n == 0) {
      ASSERT_LE(echo.srv->stats().memory_bytes, 4096u) << "pongs pile up";
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  ASSERT_EQ(sent, burst.size());
  // The server reads every ping: the kernel buffers in between are far smaller than the flood.
  ASSERT_TRUE(wait_until([&] { return echo.srv->stats().bytes_sent > 0; }));
  EXPECT_LE(echo.srv->stats().memory_bytes, 4096u);
  EXPECT_EQ(echo.srv->stats().connections_closed_by_policy, 0u);

  // Reading now: fewer pongs than pings, in order, ending with the answer to the last ping.
  std::uint64_t pongs = 0, last = 0;
  bool ordered = true;
  ReadStatus r = peer.read_frames(kWait, [&](std::uint8_t opcode, std::string_view p) {
    EXPECT_EQ(opcode, op::pong);
    if (pongs > 0 && seq_of(p) <= last) ordered = false;
    last = seq_of(p);
    ++pongs;
    return last != kPings - 1;
  });
  ASSERT_EQ(r, ReadStatus::ok) << "the answer to the last ping never came; " << pongs << " pongs";
  EXPECT_TRUE(ordered);
  EXPECT_LT(pongs, static_cast<std::uint64_t>(kPings));
  std::printf("%d pings answered by %llu pongs\n", kPings, static_cast<unsigned long long>(pongs));
}

TEST(HostilePeer, ParsingStopsWithinAReadOnceTheQueueIsAtItsCap) {
  EchoServer echo(hostile_options(sluice::SlowConsumerPolicy::drop_newest));
  RawClient peer(echo.srv->port(), 4096);
  ASSERT_TRUE(peer.handshake());
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == 1; }));

  // 60,000 one-byte messages: many reads' worth, far more than the cap holds echoes of.
  constexpr std::uint64_t kMessages = 120'000;
  const std::string burst = repeated(frame(op::binary, "x"), kMessages);
  std::size_t offset = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  while (offset < burst.size() && std::chrono::steady_clock::now() - stalled_since < milliseconds(500)) {
    std::size_t n = peer.send_some(std::string_view(burst).substr(offset));
    offset += n;
    if (n > 0) stalled_since = std::chrono::steady_clock::now();
    if (n == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(wait_until([&] { return echo.srv->stats().messages_dropped > 0; }));
  // The message that found the queue full was dropped; the rest of that read waits, unparsed,
  // however much more the peer sends.
  const std::uint64_t handled = echo.messages.load();
  peer.send_some(std::string_view(burst).substr(offset));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(echo.messages.load(), handled);
  EXPECT_EQ(echo.srv->stats().messages_dropped, 1u);
  EXPECT_LE(echo.srv->stats().memory_bytes, kCap + 64 * 1024 + 1024);

  // Reading: every message is handled in the end, each echoed or (once per at-cap episode)
  // dropped.
  std::uint64_t echoes = 0;
  std::thread rest([&] { peer.send_raw(std::string_view(burst).substr(offset), milliseconds(30'000)); });
  ReadStatus r = peer.read_frames(kWait, [&](std::uint8_t, std::string_view) {
    ++echoes;
    return echoes + echo.srv->stats().messages_dropped < kMessages;
  });
  rest.join();
  EXPECT_EQ(r, ReadStatus::ok);
  ASSERT_TRUE(wait_until([&] { return echo.messages.load() == kMessages; }));
  const std::uint64_t dropped = echo.srv->stats().messages_dropped;
  EXPECT_EQ(echoes + dropped, kMessages);
  EXPECT_LE(dropped, kMessages / (kCap / 4 / sluice::queued_message_cost(1)) + 1);
}

TEST(HostilePeer, AnEmptyQueueAsksTheBudgetToo) {
  sluice::ServerOptions o = hostile_options(sluice::SlowConsumerPolicy::drop_newest);
  o.max_total_buffered_bytes = 1024 * 1024;
  EchoServer echo(o);
  // Six peers each send one 300 KiB message, one after the other, and never read: each echo
  // goes to an empty queue, and from the third on they would take the process past its budget
  // (the message being assembled counts too).
  constexpr std::size_t kSize = 300 * 1024;
  std::vector<std::unique_ptr<RawClient>> peers;
  for (int i = 0; i < 6; ++i) {
    peers.push_back(std::make_unique<RawClient>(echo.srv->port(), 4096));
    ASSERT_TRUE(peers.back()->handshake());
  }
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == 6; }));
  const std::string message = frame(op::binary, std::string(kSize, 'm'));
  for (std::uint64_t i = 0; i < peers.size(); ++i) {
    ASSERT_TRUE(peers[i]->send_raw(message));
    ASSERT_TRUE(wait_until([&] { return echo.messages.load() == i + 1; })) << "message " << i;
    EXPECT_LE(echo.srv->stats().memory_bytes, o.max_total_buffered_bytes);
  }
  sluice::ServerStats ss = echo.srv->stats();
  EXPECT_GE(ss.messages_dropped, 3u) << "echoes were queued past the budget";
  EXPECT_LE(ss.messages_dropped, 5u);
  EXPECT_GE(ss.budget_refusals, ss.messages_dropped);
}

// Found by a hostile-peer run: a peer whose queue was at its cap still held the rest of a read
// (up to 64 KiB) out of the budget's last eighth, which is kept for small holders, as if the
// held input were a small holder of its own; 24 such peers used the reserve up and a healthy
// client's 20-byte echoes were dropped. The held input now counts with its connection's queue.
TEST(HostilePeer, PeersAtTheBudgetHoldNoInputFromItsLastEighth) {
  sluice::ServerOptions o = hostile_options(sluice::SlowConsumerPolicy::drop_newest);
  o.max_total_buffered_bytes = 2 * 1024 * 1024;
  EchoServer echo(o);
  constexpr int kPeers = 3;
  std::vector<std::unique_ptr<RawClient>> peers;
  for (int i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<RawClient>(echo.srv->port(), 4096));
    ASSERT_TRUE(peers.back()->handshake());
  }
  RawClient healthy(echo.srv->port());
  ASSERT_TRUE(healthy.handshake());
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == kPeers + 1; }));

  // The peers flood tiny frames one after the other until the server stops reading each. The
  // first fills the budget up to its last eighth; the others' queues start empty, so each may
  // take up to a small holder's 64 KiB of the reserve, but none may hold input there.
  const std::string tiny = repeated(frame(op::text, "a"), 4096);
  for (int pass = 0; pass < 2; ++pass)
    for (auto& p : peers) flood(*p, tiny, 64u * 1024 * 1024);
  sluice::ServerStats ss = echo.srv->stats();
  EXPECT_GT(ss.budget_refusals, 0u) << "the budget was never reached";
  const std::size_t seven_eighths = o.max_total_buffered_bytes - o.max_total_buffered_bytes / 8;
  EXPECT_LE(ss.memory_bytes, seven_eighths + (kPeers - 1) * kSmallHolder + 4096)
      << "the peers held input in the reserve";

  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(healthy.send_raw(frame(op::text, "healthy client ping!")));
    std::optional<Frame> echoed = healthy.read_frame(kWait);
    ASSERT_TRUE(echoed) << "echo " << i << " never came";
    EXPECT_EQ(echoed->payload, "healthy client ping!");
  }
}

TEST(HostilePeer, MessageAssemblyIsInsideTheBudgetAndThePeerThatWouldCrossItIsClosedWith1009) {
  sluice::ServerOptions o = hostile_options(sluice::SlowConsumerPolicy::close);
  o.max_total_buffered_bytes = 3 * 1024 * 1024;
  o.max_message_size = 16 * 1024 * 1024;
  EchoServer echo(o);
  // Four peers each send 640 KiB of a message that never ends (fragments, no final one). Its
  // buffer doubles as it grows: four of 512 KiB fit the budget, four of 1 MiB do not.
  constexpr int kPeers = 4;
  std::vector<std::unique_ptr<RawClient>> peers;
  for (int i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<RawClient>(echo.srv->port()));
    ASSERT_TRUE(peers.back()->handshake());
  }
  ASSERT_TRUE(wait_until([&] { return echo.rec.opens.load() == kPeers; }));
  const std::string chunk(64 * 1024, 'f');
  for (int f = 0; f < 10; ++f) {
    for (auto& p : peers)
      p->send_raw(frame(f == 0 ? op::binary : op::continuation, chunk, false), milliseconds(200));
  }
  // Whoever would take the process past its budget is closed with 1009; the others stay, and
  // the process holds no more than the budget.
  ASSERT_TRUE(wait_until([&] { return echo.rec.closes.load() >= 1; }));
  EXPECT_LE(echo.srv->stats().memory_bytes, o.max_total_buffered_bytes);
  int closed_1009 = 0;
  for (auto& p : peers) {
    std::optional<Frame> close_frame;
    if (p->drain_until_closed(milliseconds(300), nullptr, &close_frame) == ReadStatus::ok && close_frame) {
      EXPECT_EQ(close_frame->close_code(), sluice::close_code::message_too_big);
      ++closed_1009;
    }
  }
  EXPECT_GE(closed_1009, 1);
  EXPECT_LT(closed_1009, kPeers) << "everyone was closed, not just who crossed the budget";
  EXPECT_GE(echo.srv->stats().budget_refusals, 1u);
  EXPECT_EQ(echo.messages.load(), 0u);
}

}  // namespace
}  // namespace sluice_test
