// FrameBuffer / FrameRef: one encoded frame in a reference-counted block, freed exactly once
// when its last reference goes; small blocks go back to the thread's FramePool.
#include "send/frame_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alloc_probe.hpp"
#include "send/frame_pool.hpp"
#include "ws/frame_encoder.hpp"

namespace sluice::detail {
namespace {

// Frames this large bypass the pool, so their last release is an operator delete the probe sees.
const std::string kUnpooled(frame_pool::kMaxPooledBlock, 'u');

std::string contents(const FrameRef& f) {
  return std::string(reinterpret_cast<const char*>(f.get()->data()), f.size());
}

TEST(FrameBuffer, EncodesUnmaskedFrame) {
  FrameRef f = encode_frame(Opcode::text, "Hello");
  ASSERT_TRUE(f);
  EXPECT_EQ(f.size(), 7u);
  EXPECT_EQ(contents(f), std::string("\x81\x05Hello"));
}

TEST(FrameBuffer, EncodesEmptyAndNonFinalFrames) {
  EXPECT_EQ(contents(encode_frame(Opcode::ping, "")), std::string("\x89\x00", 2));
  EXPECT_EQ(contents(encode_frame(Opcode::binary, "ab", false)), std::string("\x02\x02"
                                                                             "ab"));
}

TEST(FrameBuffer, EncodesExtendedLengths) {
  const std::string p126(126, 'x');
  FrameRef a = encode_frame(Opcode::binary, p126);
  EXPECT_EQ(a.size(), 4u + 126u);
  EXPECT_EQ(contents(a).substr(0, 4), std::string("\x82\x7E\x00\x7E", 4));
  EXPECT_EQ(contents(a).substr(4), p126);

  const std::string p65536(65536, 'y');
  FrameRef b = encode_frame(Opcode::binary, p65536);
  EXPECT_EQ(b.size(), 10u + 65536u);
  EXPECT_EQ(contents(b).substr(0, 10), std::string("\x82\x7F\0\0\0\0\0\x01\0\0", 10));
  EXPECT_EQ(contents(b).substr(10), p65536);
}

TEST(FrameBuffer, RawBytesAreCopiedVerbatim) {
  const std::string text = "HTTP/1.1 400 Bad Request\r\n\r\n";
  FrameRef f = raw_bytes(text);
  EXPECT_EQ(f.size(), text.size());
  EXPECT_EQ(contents(f), text);
  EXPECT_NE(reinterpret_cast<const char*>(f.get()->data()), text.data());
  EXPECT_EQ(raw_bytes("").size(), 0u);
}

TEST(FrameBuffer, DefaultRefIsEmpty) {
  FrameRef f;
  EXPECT_FALSE(f);
  EXPECT_EQ(f.size(), 0u);
  EXPECT_EQ(f.get(), nullptr);
  FrameRef g = f.share();
  EXPECT_FALSE(g);
}

TEST(FrameBuffer, SharedFrameIsFreedOnceWhenLastReferenceGoes) {
  FrameRef a = encode_frame(Opcode::text, kUnpooled);
  FrameBuffer* raw = a.get();
  test::watch_delete(raw);
  FrameRef b = a.share();
  FrameRef c = b.share();
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(c.get(), raw);
  a.reset();
  EXPECT_FALSE(a);
  EXPECT_EQ(test::watched_deletes(), 0);
  b.reset();
  EXPECT_EQ(test::watched_deletes(), 0);
  EXPECT_EQ(contents(c).substr(4), kUnpooled);  // still readable
  c.reset();
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(FrameBuffer, MoveTransfersTheReference) {
  FrameRef a = raw_bytes(kUnpooled);
  FrameBuffer* raw = a.get();
  test::watch_delete(raw);
  FrameRef b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.get(), raw);
  FrameRef c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(test::watched_deletes(), 0);
  c = raw_bytes("other");  // assigning over the last reference frees the old frame
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(FrameBuffer, ReleaseOwnershipHandsOverTheReference) {
  FrameRef a = raw_bytes(kUnpooled);
  FrameBuffer* raw = a.get();
  test::watch_delete(raw);
  FrameBuffer* owned = a.release_ownership();
  EXPECT_EQ(owned, raw);
  EXPECT_FALSE(a);
  EXPECT_EQ(test::watched_deletes(), 0);
  owned->release();
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(FrameBuffer, RetainAndReleaseBalance) {
  FrameRef a = raw_bytes(kUnpooled);
  FrameBuffer* raw = a.get();
  test::watch_delete(raw);
  raw->retain();
  raw->retain();
  raw->release();
  raw->release();
  EXPECT_EQ(test::watched_deletes(), 0);
  a.reset();
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(FrameBuffer, SmallFrameGoesBackToThePoolOnceAndIsReused) {
  FrameRef a = encode_frame(Opcode::text, "pooled");
  const FrameBuffer* raw = a.get();
  FrameRef b = a.share();
  const std::size_t before = frame_pool::cached_bytes();
  a.reset();
  EXPECT_EQ(frame_pool::cached_bytes(), before);  // b still holds it
  b.reset();
  const std::size_t block = frame_pool::cached_bytes() - before;
  EXPECT_GE(block, sizeof(FrameBuffer) + 8);  // one block, as large as the frame needed
  EXPECT_LE(block, 64u);
  FrameRef c = encode_frame(Opcode::binary, "reused");  // the same size class
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(frame_pool::cached_bytes(), before);
  EXPECT_EQ(contents(c), std::string("\x82\x06reused"));
}

TEST(FrameBuffer, PoolNeverHoldsMoreThanItsCap) {
  std::vector<FrameRef> frames;
  const std::string payload(1000, 'p');
  for (std::size_t i = 0; i < 2 * frame_pool::kMaxCachedBytes / payload.size(); ++i)
    frames.push_back(encode_frame(Opcode::binary, payload));
  frames.clear();
  EXPECT_LE(frame_pool::cached_bytes(), frame_pool::kMaxCachedBytes);
  EXPECT_GT(frame_pool::cached_bytes(), frame_pool::kMaxCachedBytes / 2);
}

TEST(FrameBuffer, FramesOfEverySizeKeepTheirBytes) {
  // Across the size classes and past the largest pooled block, with blocks reused in between.
  for (std::size_t n = 0; n <= frame_pool::kMaxPooledBlock + 100; n += 37) {
    const std::string payload(n, static_cast<char>('a' + n % 26));
    FrameRef f = encode_frame(Opcode::binary, payload);
    ASSERT_EQ(f.size(), frame_header_size(n, false) + n);
    ASSERT_EQ(contents(f).substr(f.size() - n), payload) << n;
  }
}

}  // namespace
}  // namespace sluice::detail
