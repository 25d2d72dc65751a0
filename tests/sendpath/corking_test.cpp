// Corking: sends made while the loop handles events wait in the queue, counted exactly by
// buffered_amount(), and go out in one flush before the loop sleeps; nothing waits for a poll.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sendpath_helpers.hpp"

namespace sluice_test {
namespace {

constexpr int kSends = 100;

std::string small_message(int i) { return "m" + std::to_string(1000 + i); }  // 5 bytes

struct CorkLog {
  std::vector<sluice::SendStatus> statuses;
  std::vector<std::size_t> buffered_after;  // buffered_amount() after each send
  std::size_t buffered_next_turn = 12345;
  sluice::ConnectionStats stats_next_turn;
  std::atomic<bool> checked{false};
};

TEST(Corking, HundredSendsInOneCallbackArriveInOrderAndAreCountedExactly) {
  CorkLog log;
  ServerThread* srv_ptr = nullptr;
  sluice::Behaviors b;
  b.on_message = [&](sluice::WebSocket ws, std::string_view, sluice::Opcode) {
    for (int i = 0; i < kSends; ++i) {
      log.statuses.push_back(ws.send_text(small_message(i)));
      log.buffered_after.push_back(ws.buffered_amount());
    }
    // A task posted now runs in a later loop turn, after the corked flush.
    srv_ptr->server().post([&log, ws] {
      log.buffered_next_turn = ws.buffered_amount();
      log.stats_next_turn = ws.stats();
      log.checked = true;
    });
  };
  ServerThread srv(base_options(), b);
  srv_ptr = &srv;
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  std::uint64_t after_handshake = c.bytes_received();
  ASSERT_TRUE(c.send_frame(op::text, "go"));

  for (int i = 0; i < kSends; ++i) {
    ReadStatus st = ReadStatus::ok;
    auto f = c.read_frame(kWait, &st);
    ASSERT_TRUE(f) << "frame " << i << ": " << to_string(st);
    EXPECT_EQ(f->opcode, op::text);
    ASSERT_EQ(f->payload, small_message(i));
  }
  ASSERT_TRUE(wait_until([&] { return log.checked.load(); }));

  ASSERT_EQ(log.statuses.size(), static_cast<std::size_t>(kSends));
  std::size_t expected = 0;
  for (int i = 0; i < kSends; ++i) {
    EXPECT_EQ(log.statuses[i], sluice::SendStatus::sent) << "send " << i;
    expected += wire_size(small_message(i).size());
    // Corked: nothing has gone to the socket yet, so every frame is still counted.
    EXPECT_EQ(log.buffered_after[i], expected) << "after send " << i;
  }
  EXPECT_EQ(log.buffered_next_turn, 0u);
  EXPECT_EQ(log.stats_next_turn.buffered_bytes, 0u);
  EXPECT_EQ(log.stats_next_turn.messages_sent, static_cast<std::uint64_t>(kSends));
  EXPECT_EQ(log.stats_next_turn.bytes_sent, expected);
  EXPECT_EQ(log.stats_next_turn.buffered_high_water, expected);
  EXPECT_EQ(c.bytes_received() - after_handshake, expected)
      << "the client got exactly the frames, nothing else";
}

TEST(Corking, SendsFromAPostedTaskAreCorkedAndFlushedBeforeTheLoopSleeps) {
  Record rec;
  ServerThread srv(base_options(), recording(rec));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));

  std::vector<std::size_t> buffered;
  std::size_t total = 0;
  ASSERT_TRUE(srv.on_loop([&] {
    sluice::WebSocket ws = rec.open.front();
    for (int i = 0; i < kSends; ++i) {
      std::string m = numbered(i, 10 + i);
      EXPECT_EQ(ws.send(m), sluice::SendStatus::sent);
      total += wire_size(m.size());
      buffered.push_back(ws.buffered_amount());
    }
  }));
  EXPECT_EQ(buffered.back(), total);
  for (int i = 0; i < kSends; ++i) {
    auto f = c.read_frame();
    ASSERT_TRUE(f) << "frame " << i;
    EXPECT_EQ(f->opcode, op::binary);
    ASSERT_EQ(seq_of(f->payload), static_cast<std::uint64_t>(i));
    ASSERT_EQ(f->payload.size(), static_cast<std::size_t>(10 + i));
    EXPECT_TRUE(intact(f->payload));
  }
  EXPECT_EQ(srv.ask([&] { return rec.open.front().buffered_amount(); }), 0u);
}

TEST(Corking, DrainFiresOnceWhenTheQueueFallsBelowTheLowWatermark) {
  // 100 sends of 1 KiB in one turn take the queue past a 16 KiB low watermark; the flush that
  // follows empties it into a reading client, and on_drain sees an empty queue.
  sluice::ServerOptions o = base_options();
  o.low_watermark = 16 * 1024;
  std::atomic<long> buffered_in_drain{-1};
  Record rec;
  sluice::Behaviors more;
  more.on_drain = [&](sluice::WebSocket ws) { buffered_in_drain = static_cast<long>(ws.buffered_amount()); };
  ServerThread srv(o, recording(rec, more));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(wait_until([&] { return rec.opens.load() == 1; }));
  std::size_t total = 0;
  ASSERT_TRUE(srv.on_loop([&] {
    for (int i = 0; i < kSends; ++i) {
      std::string m = numbered(i, 1024);
      rec.open.front().send(m);
      total += wire_size(m.size());
    }
    EXPECT_EQ(rec.open.front().buffered_amount(), total);
  }));
  int got = 0;
  ReadStatus r = c.read_frames(kWait, [&](std::uint8_t, std::string_view p) {
    EXPECT_EQ(seq_of(p), static_cast<std::uint64_t>(got));
    return ++got < kSends;
  });
  ASSERT_EQ(r, ReadStatus::ok);
  ASSERT_TRUE(wait_until([&] { return rec.drains.load() >= 1; })) << "on_drain did not fire";
  EXPECT_EQ(rec.drains.load(), 1);
  EXPECT_GE(buffered_in_drain.load(), 0);
  EXPECT_LT(buffered_in_drain.load(), 16 * 1024);
  EXPECT_EQ(srv.ask([&] { return rec.open.front().buffered_amount(); }), 0u);
}

}  // namespace
}  // namespace sluice_test
