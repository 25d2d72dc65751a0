// FrameBuffer / FrameRef: one encoded frame in a reference-counted block, freed exactly once
// when its last reference goes.
#include "send/frame_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "alloc_probe.hpp"

namespace sluice::detail {
namespace {

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
  FrameRef a = encode_frame(Opcode::text, "shared");
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
  EXPECT_EQ(contents(c), std::string("\x81\x06shared"));  // still readable
  c.reset();
  EXPECT_EQ(test::watched_deletes(), 1);
  test::unwatch_delete();
}

TEST(FrameBuffer, MoveTransfersTheReference) {
  FrameRef a = raw_bytes("abc");
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
  FrameRef a = raw_bytes("abc");
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
  FrameRef a = raw_bytes("abc");
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

}  // namespace
}  // namespace sluice::detail
