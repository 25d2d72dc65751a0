// SendQueue: a connection's unsent frames as shared references. Writes are simulated with
// fill_iovecs + consume at every byte offset, against a model of the bytes still due.
#include "send/send_queue.hpp"

#include <gtest/gtest.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_probe.hpp"
#include "send/frame_pool.hpp"
#include "send/memory_budget.hpp"
#include "sluice/stats.hpp"

namespace sluice::detail {
namespace {

constexpr int kMaxIov = 64;

// What the socket would take if it accepted up to `n` bytes: read through fill_iovecs before
// consume() may free the frames.
std::string peek(const SendQueue& q, std::size_t n, int max_iov = kMaxIov) {
  iovec iov[kMaxIov];
  int count = q.fill_iovecs(iov, max_iov);
  std::string out;
  for (int i = 0; i < count && out.size() < n; ++i) {
    std::size_t take = std::min(iov[i].iov_len, n - out.size());
    out.append(static_cast<const char*>(iov[i].iov_base), take);
  }
  return out;
}

// Writes up to `n` bytes; returns them.
std::string write_some(SendQueue& q, std::size_t n, std::uint32_t* completed = nullptr) {
  std::string out = peek(q, n);
  std::uint32_t done = q.consume(out.size()).messages;
  if (completed) *completed = done;
  return out;
}

std::string payload(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i);
  return s;
}

// Frames of varied sizes; their concatenation is the expected byte stream.
std::vector<std::string> sample_frames(std::size_t count) {
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < count; ++i)
    frames.push_back(payload(1 + (i * 5) % 9, static_cast<char>('A' + i)));
  return frames;
}

std::string joined(const std::vector<std::string>& frames) {
  std::string s;
  for (const std::string& f : frames) s += f;
  return s;
}

void push_all(SendQueue& q, const std::vector<std::string>& frames, std::uint32_t tag = 0) {
  for (const std::string& f : frames) q.push(raw_bytes(f), tag);
}

TEST(SendQueue, NewQueueIsEmpty) {
  SendQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.entries(), 0u);
  iovec iov[4];
  EXPECT_EQ(q.fill_iovecs(iov, 4), 0);
}

TEST(SendQueue, PushCountsBytesAndEntries) {
  SendQueue q;
  q.push(raw_bytes("hello"));
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.bytes(), 5u);
  EXPECT_EQ(q.entries(), 1u);
  q.push(encode_frame(Opcode::text, "abc"));
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_EQ(q.entries(), 2u);
  EXPECT_EQ(peek(q, 100), std::string("hello\x81\x03"
                                      "abc"));
}

TEST(SendQueue, FillIovecsDescribesEachFrameOldestFirst) {
  SendQueue q;
  const std::vector<std::string> frames = sample_frames(40);  // inline head plus several blocks
  push_all(q, frames);
  iovec iov[kMaxIov];
  ASSERT_EQ(q.fill_iovecs(iov, kMaxIov), 40);
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(std::string_view(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len), frames[i]) << i;
}

TEST(SendQueue, FillIovecsRespectsMax) {
  SendQueue q;
  push_all(q, sample_frames(40));
  iovec iov[kMaxIov];
  EXPECT_EQ(q.fill_iovecs(iov, 1), 1);
  EXPECT_EQ(q.fill_iovecs(iov, 17), 17);
  EXPECT_EQ(q.fill_iovecs(iov, 18), 18);
  EXPECT_EQ(q.fill_iovecs(iov, 0), 0);
}

TEST(SendQueue, FirstIovecStartsAfterPartialWrite) {
  SendQueue q;
  q.push(raw_bytes("abcdef"));
  q.push(raw_bytes("ghi"));
  write_some(q, 4);
  iovec iov[4];
  ASSERT_EQ(q.fill_iovecs(iov, 4), 2);
  EXPECT_EQ(std::string_view(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len), "ef");
  EXPECT_EQ(std::string_view(static_cast<const char*>(iov[1].iov_base), iov[1].iov_len), "ghi");
}

TEST(SendQueue, PartialWriteAtEveryByteOffset) {
  const std::vector<std::string> frames = sample_frames(40);
  const std::string stream = joined(frames);
  for (std::size_t k = 0; k <= stream.size(); ++k) {
    SCOPED_TRACE(::testing::Message() << "first write " << k);
    SendQueue q;
    push_all(q, frames);
    std::uint32_t completed = 0;
    std::string out = write_some(q, k, &completed);
    ASSERT_EQ(out, stream.substr(0, k));
    EXPECT_EQ(q.bytes(), stream.size() - k);
    std::size_t whole = 0, sum = 0;
    for (const std::string& f : frames) {
      if (sum + f.size() > k) break;
      sum += f.size();
      ++whole;
    }
    EXPECT_EQ(completed, whole);
    EXPECT_EQ(q.entries(), frames.size() - whole);
    out += write_some(q, stream.size());
    EXPECT_EQ(out, stream);
    EXPECT_EQ(q.bytes(), 0u);
    EXPECT_EQ(q.entries(), 0u);
    EXPECT_TRUE(q.empty());
  }
}

TEST(SendQueue, OneByteWritesKeepExactCount) {
  const std::vector<std::string> frames = sample_frames(40);
  const std::string stream = joined(frames);
  SendQueue q;
  push_all(q, frames);
  std::string out;
  std::uint32_t total_completed = 0;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    ASSERT_EQ(q.bytes(), stream.size() - i);
    std::uint32_t completed = 0;
    out += write_some(q, 1, &completed);
    total_completed += completed;
  }
  EXPECT_EQ(out, stream);
  EXPECT_EQ(total_completed, frames.size());
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, ConsumeAcrossSeveralFramesAtOnce) {
  SendQueue q;
  q.push(raw_bytes("ab"));
  q.push(raw_bytes("cd"));
  q.push(raw_bytes("ef"));
  std::uint32_t completed = 0;
  EXPECT_EQ(write_some(q, 5, &completed), "abcde");
  EXPECT_EQ(completed, 2u);
  EXPECT_EQ(q.bytes(), 1u);
  EXPECT_EQ(write_some(q, 5, &completed), "f");
  EXPECT_EQ(completed, 1u);
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, RandomPushesAndWritesMatchModel) {
  // Interleaves pushes with partial writes so the inline head, block rollover and block
  // recycling all happen mid-stream; after every step bytes() and the stream match a model.
  std::mt19937 rng(12345);
  SendQueue q;
  std::string model;  // bytes still due, in order
  std::size_t model_entries = 0;
  std::vector<std::size_t> sizes;  // sizes of the frames still (partly) due
  std::size_t head_written = 0;
  for (int step = 0; step < 5000; ++step) {
    if (rng() % 3 != 0) {
      std::string f = payload(1 + rng() % 40, static_cast<char>(step));
      q.push(raw_bytes(f), static_cast<std::uint32_t>(step % 4));
      model += f;
      sizes.push_back(f.size());
      ++model_entries;
    } else {
      std::size_t n = rng() % 120;
      std::uint32_t completed = 0;
      std::string out = write_some(q, n, &completed);
      ASSERT_EQ(out, model.substr(0, out.size()));
      ASSERT_EQ(out.size(), std::min(n, model.size()));
      model.erase(0, out.size());
      std::uint32_t expect_completed = 0;
      std::size_t left = out.size();
      while (left > 0) {
        std::size_t due = sizes.front() - head_written;
        if (left < due) {
          head_written += left;
          break;
        }
        left -= due;
        head_written = 0;
        sizes.erase(sizes.begin());
        ++expect_completed;
      }
      ASSERT_EQ(completed, expect_completed);
      model_entries -= expect_completed;
    }
    ASSERT_EQ(q.bytes(), model.size()) << "step " << step;
    ASSERT_EQ(q.entries(), model_entries) << "step " << step;
    ASSERT_EQ(q.empty(), model.empty()) << "step " << step;
  }
  EXPECT_EQ(write_some(q, model.size()), model);
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, DropUnstartedKeepsPartlyWrittenHead) {
  SendQueue q;
  q.push(raw_bytes("first"));
  q.push(raw_bytes("second"));
  q.push(raw_bytes("third"));
  EXPECT_EQ(write_some(q, 2), "fi");
  Released d = q.drop_unstarted();
  EXPECT_EQ(d.messages, 2u);
  EXPECT_EQ(d.bytes, 11u);
  EXPECT_EQ(q.bytes(), 3u);
  EXPECT_EQ(q.entries(), 1u);
  EXPECT_EQ(write_some(q, 100), "rst");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, DropUnstartedKeepsThePartlyWrittenFrame) {
  // Once the first entry is written, the oldest block entry moves into the inline slot.
  const std::vector<std::string> frames = sample_frames(40);
  for (std::size_t done = 1; done < 38; ++done) {
    SCOPED_TRACE(::testing::Message() << "frames fully written " << done);
    SendQueue q;
    push_all(q, frames);
    std::size_t written = 0;
    for (std::size_t i = 0; i < done; ++i) written += frames[i].size();
    write_some(q, written + 1);  // and one byte of the next frame, if it has more than one
    const std::string& partial = frames[done];
    if (partial.size() == 1) continue;
    Released d = q.drop_unstarted();
    EXPECT_EQ(d.messages, frames.size() - done - 1);
    EXPECT_EQ(q.entries(), 1u);
    EXPECT_EQ(q.bytes(), partial.size() - 1);
    q.push(raw_bytes("after"));
    EXPECT_EQ(write_some(q, 1000), partial.substr(1) + "after");
    EXPECT_TRUE(q.empty());
  }
}

TEST(SendQueue, DropUnstartedWithNothingStartedEmptiesTheQueue) {
  SendQueue q;
  const std::vector<std::string> frames = sample_frames(40);
  push_all(q, frames);
  Released d = q.drop_unstarted();
  EXPECT_EQ(d.messages, 40u);
  EXPECT_EQ(d.bytes, joined(frames).size());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.entries(), 0u);
  q.push(raw_bytes("again"));
  EXPECT_EQ(write_some(q, 100), "again");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, DropUnstartedAfterExactFrameBoundary) {
  SendQueue q;
  push_all(q, {"aa", "bb", "cc"});
  write_some(q, 2);  // "aa" fully written: nothing is partly written now
  Released d = q.drop_unstarted();
  EXPECT_EQ(d.messages, 2u);
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, DropTagKeepsOrderOfTheRest) {
  SendQueue q;
  std::string kept;
  std::size_t kept_entries = 0, dropped_bytes = 0;
  for (int i = 0; i < 50; ++i) {
    std::string f = payload(1 + i % 7, static_cast<char>('a' + i % 26));
    std::uint32_t tag = i % 3 == 1 ? 7 : static_cast<std::uint32_t>(i % 2);
    q.push(raw_bytes(f), tag);
    if (tag == 7) {
      dropped_bytes += f.size();
    } else {
      kept += f;
      ++kept_entries;
    }
  }
  Released d = q.drop_tag(7);
  EXPECT_EQ(d.bytes, dropped_bytes);
  EXPECT_EQ(d.messages, 50u - kept_entries);
  EXPECT_EQ(q.bytes(), kept.size());
  EXPECT_EQ(q.entries(), kept_entries);
  q.push(raw_bytes("tail"));
  EXPECT_EQ(write_some(q, 10000), kept + "tail");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, DropOldestDropsUntilEnough) {
  SendQueue q;
  push_all(q, {"1111", "2222", "3333", "4444"});
  write_some(q, 1);                        // "1111" is started and must stay
  const std::size_t one = q.charge() / 4;  // four frames of one size class
  Released d = q.drop_oldest(one + 1);     // takes two frames' worth of charge
  EXPECT_EQ(d.messages, 2u);
  EXPECT_EQ(d.bytes, 8u);
  EXPECT_EQ(write_some(q, 100), "1114444");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, SharedFrameIsFreedOnceAfterEveryQueueConsumedIt) {
  // Encode once, send to many (a broadcast): three queues hold one frame (large enough to
  // bypass the frame pool, so its last release is an operator delete the probe sees).
  FrameRef frame = encode_frame(Opcode::text, std::string(frame_pool::kMaxPooledBlock, 'b'));
  FrameBuffer* raw = frame.get();
  const std::string wire(reinterpret_cast<const char*>(raw->data()), raw->size());
  SendQueue a, b, c;
  a.push(raw_bytes("x"));  // so the shared frame sits at different positions
  a.push(frame.share());
  b.push(frame.share());
  for (int i = 0; i < 20; ++i) c.push(raw_bytes("y"));
  c.push(frame.share());
  test::watch_delete(raw);
  frame.reset();
  EXPECT_EQ(test::watched_deletes(), 0);

  EXPECT_EQ(write_some(a, 100000), "x" + wire);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(test::watched_deletes(), 0);
  EXPECT_EQ(write_some(b, 3), wire.substr(0, 3));
  EXPECT_EQ(write_some(b, 100000), wire.substr(3));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(test::watched_deletes(), 0);
  EXPECT_EQ(write_some(c, 20), std::string(20, 'y'));
  EXPECT_EQ(test::watched_deletes(), 0);
  EXPECT_EQ(write_some(c, 100000), wire);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(SendQueue, SharedFrameIsFreedOnceWhenQueuesDropOrClear) {
  FrameRef frame = encode_frame(Opcode::binary, std::string(frame_pool::kMaxPooledBlock, 'p'));
  FrameBuffer* raw = frame.get();
  test::watch_delete(raw);
  {
    SendQueue a, b, c;
    a.push(frame.share());
    b.push(raw_bytes("z"));
    b.push(frame.share());
    c.push(frame.share());
    frame.reset();
    EXPECT_EQ(b.drop_unstarted().messages, 2u);
    EXPECT_EQ(test::watched_deletes(), 0);
    a.clear();
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(test::watched_deletes(), 0);
    // c is destroyed with the frame still queued.
  }
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(SendQueue, EmptyAfterConsumeOwnsNoBlocks) {
  SendQueue q;
  push_all(q, sample_frames(100));
  while (q.bytes() > 0) write_some(q, 7);
  EXPECT_TRUE(q.empty());  // empty() requires no inline head and no block chain
  EXPECT_EQ(q.bytes(), 0u);
  iovec iov[4];
  EXPECT_EQ(q.fill_iovecs(iov, 4), 0);
  // Reuse after emptying starts cleanly.
  push_all(q, {"p", "q"});
  EXPECT_EQ(write_some(q, 10), "pq");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueue, ClearReleasesEverything) {
  SendQueue q;
  push_all(q, sample_frames(50));
  write_some(q, 3);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.entries(), 0u);
}

}  // namespace
}  // namespace sluice::detail

namespace sluice::detail {
namespace {

TEST(SendQueue, ChargeIsWhatTheFramesHoldNotTheirWireBytes) {
  SendQueue q;
  EXPECT_EQ(q.charge(), 0u);
  FrameRef tiny = encode_frame(Opcode::text, "a");  // 3 wire bytes in a pooled block
  const std::size_t expected = tiny.get()->footprint() + SendQueue::kEntryCharge;
  EXPECT_GE(expected, 90u);
  EXPECT_EQ(q.push(std::move(tiny)), expected);
  for (int i = 0; i < 99; ++i) q.push(encode_frame(Opcode::text, "a"));
  EXPECT_EQ(q.bytes(), 300u);
  EXPECT_EQ(q.charge(), 100 * expected);
  EXPECT_EQ(sluice::queued_message_cost(1), expected);
  // Writing returns the charge of what went, and a partly written frame is still charged.
  Released r = q.consume(150);
  EXPECT_EQ(r.messages, 50u);
  EXPECT_EQ(r.charge, 50 * expected);
  EXPECT_EQ(r.budget, 50 * expected);
  r = q.consume(1);
  EXPECT_EQ(r.messages, 0u);
  EXPECT_EQ(q.charge(), 50 * expected);
  EXPECT_EQ(q.clear().charge, 50 * expected);
  EXPECT_EQ(q.charge(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, AFrameChargedOnceCostsTheBudgetOnlyItsEntry) {
  MemoryBudget budget(1 << 20, 1);
  FrameRef frame = encode_frame(Opcode::binary, std::string(1000, 'b'));
  frame.get()->charge_once(budget);
  EXPECT_EQ(budget.used(), frame.get()->footprint());
  SendQueue a, b;
  EXPECT_EQ(a.push(frame.share()), SendQueue::kEntryCharge);
  EXPECT_EQ(b.push(frame.share()), SendQueue::kEntryCharge);
  // Each queue's cap still sees the whole frame.
  EXPECT_EQ(a.charge(), frame.get()->footprint() + SendQueue::kEntryCharge);
  frame.reset();
  EXPECT_GT(budget.used(), 0u);
  EXPECT_EQ(a.clear().budget, SendQueue::kEntryCharge);
  EXPECT_GT(budget.used(), 0u);  // b still holds it
  b.clear();
  EXPECT_EQ(budget.used(), 0u);  // the last reference uncharged it
}

TEST(SendQueue, ReplaceNewestSwapsAnUnsentTaggedFrameOnly) {
  SendQueue q;
  q.push(raw_bytes("data"));
  q.push(raw_bytes("pong1"), SendQueue::kPongTag);
  FrameRef newer = raw_bytes("pong22");
  Released old = q.replace_newest(SendQueue::kPongTag, newer);
  EXPECT_EQ(old.bytes, 5u);
  EXPECT_FALSE(newer);  // taken
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_EQ(write_some(q, 100), "datapong22");
  // A tag that is not the newest entry's, or a started frame, is left alone.
  q.push(raw_bytes("ping"), SendQueue::kPongTag);
  write_some(q, 1);
  FrameRef other = raw_bytes("x");
  EXPECT_EQ(q.replace_newest(SendQueue::kPongTag, other).bytes, 0u);
  EXPECT_TRUE(other);
}

TEST(SendQueue, ReleaseSomeFreesAtMostThatManyEntriesOldestFirst) {
  SendQueue q;
  for (int i = 0; i < 40; ++i) q.push(raw_bytes(std::string(1, static_cast<char>('a' + i % 26))));
  Released r = q.release_some(16);
  EXPECT_EQ(r.bytes, 16u);
  EXPECT_EQ(q.bytes(), 24u);
  EXPECT_EQ(write_some(q, 1), "q");
  EXPECT_EQ(q.release_some(100).bytes, 23u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.charge(), 0u);
}

}  // namespace
}  // namespace sluice::detail
