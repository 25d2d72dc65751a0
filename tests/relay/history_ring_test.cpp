// HistoryRing: numbering, the count, byte and age bounds, retain-last, and every answer of
// since(): complete, gap (with the exact missing range) and ahead.
#include "history/history_ring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

PublishTime at(long ms) { return PublishTime{milliseconds{ms}}; }

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text_of(const HistoryEntry& e) {
  return {reinterpret_cast<const char*>(e.payload().data()), e.payload().size()};
}

std::vector<std::uint64_t> seqs(const HistoryRing::Entries& entries) {
  std::vector<std::uint64_t> out;
  for (const HistoryEntry& e : entries) out.push_back(e.seq());
  return out;
}

HistoryLimits count_limit(std::size_t n) {
  HistoryLimits l;
  l.max_messages = n;
  return l;
}

void push_n(HistoryRing& ring, int n, long time = 0) {
  for (int i = 0; i < n; ++i) ring.push(Opcode::text, at(time), bytes_of("m" + std::to_string(i)));
}

TEST(HistoryRing, NumbersMessagesFromOne) {
  HistoryRing ring(count_limit(10));
  EXPECT_EQ(ring.last_seq(), 0u);
  EXPECT_EQ(ring.push(Opcode::text, at(1), bytes_of("a")), 1u);
  EXPECT_EQ(ring.push(Opcode::binary, at(2), bytes_of("b")), 2u);
  EXPECT_EQ(ring.last_seq(), 2u);
}

TEST(HistoryRing, KeepsPayloadOpcodeAndTime) {
  HistoryRing ring(count_limit(10));
  ring.push(Opcode::binary, at(1234), bytes_of("payload"));
  ASSERT_NE(ring.last(), nullptr);
  EXPECT_EQ(ring.last()->seq(), 1u);
  EXPECT_EQ(ring.last()->opcode(), Opcode::binary);
  EXPECT_EQ(ring.last()->time(), at(1234));
  EXPECT_EQ(text_of(*ring.last()), "payload");
}

TEST(HistoryRing, EmptyPayloadIsKept) {
  HistoryRing ring(count_limit(10));
  ring.push(Opcode::text, at(0), {});
  ASSERT_NE(ring.last(), nullptr);
  EXPECT_TRUE(ring.last()->payload().empty());
}

TEST(HistoryRing, CountBoundEvictsTheOldest) {
  HistoryRing ring(count_limit(3));
  push_n(ring, 5);
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(seqs(ring.since(0).entries), (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST(HistoryRing, ByteBoundCountsPayloadAndOverhead) {
  const std::string payload(100, 'x');
  HistoryLimits l = count_limit(1000);
  l.max_bytes = 3 * HistoryRing::entry_cost(payload.size());
  HistoryRing ring(l);
  for (int i = 0; i < 10; ++i) ring.push(Opcode::text, at(0), bytes_of(payload));
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.bytes_held(), 3 * HistoryRing::entry_cost(payload.size()) + HistoryRing::index_overhead);
}

TEST(HistoryRing, EntryCostIsAtLeastThePayloadAndTheSlot) {
  EXPECT_EQ(HistoryRing::entry_cost(0), sizeof(HistoryEntry));
  for (std::size_t n : {1u, 24u, 25u, 100u, 4096u}) {
    EXPECT_GE(HistoryRing::entry_cost(n), n + 8 + sizeof(HistoryEntry)) << n;
    EXPECT_LE(HistoryRing::entry_cost(n), n + 40 + sizeof(HistoryEntry)) << n;
  }
}

TEST(HistoryRing, BytesHeldFallsBackWhenEntriesLeave) {
  HistoryRing ring(count_limit(2));
  const std::size_t empty = ring.bytes_held();
  EXPECT_EQ(empty, HistoryRing::index_overhead);
  ring.push(Opcode::text, at(0), bytes_of(std::string(1000, 'a')));
  EXPECT_GT(ring.bytes_held(), empty + 1000);
  ring.set_limits(count_limit(0));
  EXPECT_EQ(ring.bytes_held(), empty);
}

TEST(HistoryRing, MessageTooBigForTheByteBoundIsNotKeptAndNeitherAreOlderOnes) {
  HistoryLimits l = count_limit(10);
  l.max_bytes = HistoryRing::entry_cost(10) * 2;
  HistoryRing ring(l);
  push_n(ring, 2);
  ring.push(Opcode::text, at(0), bytes_of(std::string(1000, 'x')));
  EXPECT_TRUE(ring.empty());
  const auto s = ring.since(0);
  EXPECT_EQ(s.status, SinceStatus::gap);
  EXPECT_EQ(s.missing_from, 1u);
  EXPECT_EQ(s.missing_to, 3u);
}

TEST(HistoryRing, ZeroHistoryKeepsNothingButStillCounts) {
  HistoryRing ring(count_limit(0));
  push_n(ring, 4);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.last(), nullptr);
  EXPECT_EQ(ring.last_seq(), 4u);
}

TEST(HistoryRing, RetainLastKeepsTheNewestWithZeroHistory) {
  HistoryLimits l = count_limit(0);
  l.retain_last = true;
  HistoryRing ring(l);
  push_n(ring, 3);
  ASSERT_NE(ring.last(), nullptr);
  EXPECT_EQ(ring.last()->seq(), 3u);
  EXPECT_EQ(ring.size(), 1u);
}

TEST(HistoryRing, RetainLastKeepsAMessageBiggerThanTheByteBound) {
  HistoryLimits l = count_limit(10);
  l.max_bytes = 64;
  l.retain_last = true;
  HistoryRing ring(l);
  ring.push(Opcode::text, at(0), bytes_of(std::string(1000, 'x')));
  ASSERT_NE(ring.last(), nullptr);
  EXPECT_EQ(ring.last()->payload().size(), 1000u);
}

TEST(HistoryRing, AgeBoundEvictsOnExpire) {
  HistoryLimits l = count_limit(100);
  l.max_age = milliseconds{1000};
  HistoryRing ring(l);
  ring.push(Opcode::text, at(0), bytes_of("old"));
  ring.push(Opcode::text, at(500), bytes_of("mid"));
  ring.push(Opcode::text, at(900), bytes_of("new"));
  EXPECT_EQ(ring.size(), 3u);
  ring.expire(at(1400));
  EXPECT_EQ(seqs(ring.since(0).entries), (std::vector<std::uint64_t>{2, 3}));
  ring.expire(at(1500));  // exactly max_age old: still kept
  EXPECT_EQ(ring.size(), 2u);
  ring.expire(at(5000));
  EXPECT_TRUE(ring.empty());
}

TEST(HistoryRing, PushAppliesTheAgeBound) {
  HistoryLimits l = count_limit(100);
  l.max_age = milliseconds{1000};
  HistoryRing ring(l);
  ring.push(Opcode::text, at(0), bytes_of("a"));
  ring.push(Opcode::text, at(2000), bytes_of("b"));
  EXPECT_EQ(seqs(ring.since(0).entries), (std::vector<std::uint64_t>{2}));
}

TEST(HistoryRing, ZeroAgeMeansNoAgeBound) {
  HistoryRing ring(count_limit(10));
  ring.push(Opcode::text, at(0), bytes_of("a"));
  ring.expire(at(1'000'000'000));
  EXPECT_EQ(ring.size(), 1u);
}

TEST(HistoryRing, RetainLastSurvivesTheAgeBound) {
  HistoryLimits l = count_limit(10);
  l.max_age = milliseconds{10};
  l.retain_last = true;
  HistoryRing ring(l);
  push_n(ring, 3, 0);
  ring.expire(at(1000));
  ASSERT_EQ(ring.size(), 1u);
  EXPECT_EQ(ring.last()->seq(), 3u);
}

TEST(HistoryRing, SinceLastIsCompleteAndEmpty) {
  HistoryRing ring(count_limit(10));
  push_n(ring, 3);
  const auto s = ring.since(3);
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_TRUE(s.entries.empty());
  EXPECT_EQ(s.last, 3u);
}

TEST(HistoryRing, SinceOnAFreshRingIsCompleteAndEmpty) {
  HistoryRing ring(count_limit(10));
  const auto s = ring.since(0);
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_TRUE(s.entries.empty());
  EXPECT_EQ(s.last, 0u);
}

TEST(HistoryRing, SinceReturnsTheEntriesAfterTheAskedSequence) {
  HistoryRing ring(count_limit(10));
  push_n(ring, 5);
  const auto s = ring.since(2);
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_EQ(seqs(s.entries), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(text_of(*s.entries.begin()), "m2");
}

TEST(HistoryRing, SinceZeroReturnsEverythingWhenNothingWasEvicted) {
  HistoryRing ring(count_limit(10));
  push_n(ring, 3);
  const auto s = ring.since(0);
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_EQ(seqs(s.entries), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(HistoryRing, SinceBeforeTheFirstHeldIsAGapWithTheMissingRange) {
  HistoryRing ring(count_limit(3));
  push_n(ring, 10);  // holds 8, 9, 10
  const auto s = ring.since(4);
  EXPECT_EQ(s.status, SinceStatus::gap);
  EXPECT_EQ(s.missing_from, 5u);
  EXPECT_EQ(s.missing_to, 7u);
  EXPECT_EQ(seqs(s.entries), (std::vector<std::uint64_t>{8, 9, 10}));
}

TEST(HistoryRing, SinceJustBeforeTheFirstHeldIsNoGap) {
  HistoryRing ring(count_limit(3));
  push_n(ring, 10);
  const auto s = ring.since(7);
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_EQ(seqs(s.entries), (std::vector<std::uint64_t>{8, 9, 10}));
}

TEST(HistoryRing, SinceWithNothingHeldIsAGapUpToTheLast) {
  HistoryRing ring(count_limit(0));
  push_n(ring, 6);
  const auto s = ring.since(2);
  EXPECT_EQ(s.status, SinceStatus::gap);
  EXPECT_EQ(s.missing_from, 3u);
  EXPECT_EQ(s.missing_to, 6u);
  EXPECT_TRUE(s.entries.empty());
}

TEST(HistoryRing, SinceBeyondTheLastIsAhead) {
  HistoryRing ring(count_limit(10));
  push_n(ring, 3);
  const auto s = ring.since(900);
  EXPECT_EQ(s.status, SinceStatus::ahead);
  EXPECT_EQ(s.last, 3u);
  EXPECT_TRUE(s.entries.empty());
  EXPECT_EQ(ring.since(4).status, SinceStatus::ahead);
}

TEST(HistoryRing, SetLimitsTrimsAtOnce) {
  HistoryRing ring(count_limit(10));
  push_n(ring, 10);
  ring.set_limits(count_limit(4));
  EXPECT_EQ(seqs(ring.since(0).entries), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(ring.limits().max_messages, 4u);
  ring.push(Opcode::text, at(0), bytes_of("x"));
  EXPECT_EQ(ring.size(), 4u);
}

TEST(HistoryRing, ManyMessagesStayBounded) {
  HistoryLimits l = count_limit(1000);
  l.max_bytes = 64 * 1024;
  HistoryRing ring(l);
  const std::string payload(200, 'p');
  for (int i = 0; i < 100'000; ++i) ring.push(Opcode::binary, at(i), bytes_of(payload));
  EXPECT_LE(ring.bytes_held(), l.max_bytes + HistoryRing::index_overhead);
  EXPECT_EQ(ring.last_seq(), 100'000u);
  const auto s = ring.since(ring.last_seq() - ring.size());
  EXPECT_EQ(s.status, SinceStatus::complete);
  EXPECT_EQ(s.entries.size(), ring.size());
}

}  // namespace
}  // namespace sluice::relay
