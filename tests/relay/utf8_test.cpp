// UTF-8 decoding: the well-formed ranges of Unicode §3.9 and the maximal-subpart lengths of
// ill-formed sequences.
#include "text/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::relay {
namespace {

TEST(Utf8, AcceptsEveryLengthOfSequence) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9"));          // é
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, DecodesCodePoints) {
  EXPECT_EQ(decode_utf8("\xC3\xA9", 0).code_point, U'\u00E9');
  EXPECT_EQ(decode_utf8("\xE2\x82\xAC", 0).code_point, U'\u20AC');
  const Utf8Sequence s = decode_utf8("\xF0\x9F\x98\x80", 0);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.length, 4u);
  EXPECT_EQ(s.code_point, U'\U0001F600');
}

TEST(Utf8, RefusesOverlongsSurrogatesAndBeyondUnicode) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RefusesTruncatedAndStrayContinuationBytes) {
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("a\xC3"));
}

TEST(Utf8, InvalidSequenceLengthIsItsMaximalSubpart) {
  EXPECT_EQ(decode_utf8("\xE2\x82(", 0).length, 2u);
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98", 0).length, 3u);
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0).length, 1u);  // the second byte is already out of range
  EXPECT_EQ(decode_utf8("\x80\x80", 0).length, 1u);
  EXPECT_EQ(decode_utf8("\xC3", 0).length, 1u);
}

}  // namespace
}  // namespace sluice::relay
