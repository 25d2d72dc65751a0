// Utf8Validator (RFC 3629, as RFC 6455 §8.1 requires of text): whole strings, strings split at
// every byte, and failure at the first byte that cannot lead to valid UTF-8.
#include "ws/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::detail {
namespace {

const std::uint8_t* data_of(std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// The validator's verdict when fed `s` in pieces cut at `cut` (and the whole string when
// cut == s.size()).
bool valid_split(std::string_view s, std::size_t cut) {
  Utf8Validator v;
  if (!v.feed(data_of(s), cut)) return false;
  if (!v.feed(data_of(s) + cut, s.size() - cut)) return false;
  return v.complete();
}

bool valid_bytewise(std::string_view s) {
  Utf8Validator v;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!v.feed(data_of(s) + i, 1)) return false;
  return v.complete();
}

const std::string_view kValid[] = {
    "",
    "Hello, world: plain ASCII longer than eight bytes",
    std::string_view("\0\x7f", 2),
    "\xC2\x80",                                      // U+0080, smallest 2-byte
    "\xC3\xA9t\xC3\xA9",                             // "été"
    "\xDF\xBF",                                      // U+07FF, largest 2-byte
    "\xE0\xA0\x80",                                  // U+0800, smallest 3-byte
    "\xE2\x82\xAC",                                  // U+20AC euro sign
    "\xED\x9F\xBF",                                  // U+D7FF, just below the surrogates
    "\xEE\x80\x80",                                  // U+E000, just above the surrogates
    "\xEF\xBF\xBF",                                  // U+FFFF
    "\xEF\xBB\xBF",                                  // U+FEFF (BOM is still valid text)
    "\xF0\x90\x80\x80",                              // U+10000, smallest 4-byte
    "\xF0\x9F\x98\x80",                              // U+1F600
    "\xF4\x8F\xBF\xBF",                              // U+10FFFF, the largest code point
    "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5",  // "κόσμε"
    "abcdefgh\xF0\x9F\x98\x80"
    "abcdefgh\xE2\x82\xAC"
    "abcdefghijklmnop",
};

struct Invalid {
  std::string_view bytes;
  std::size_t fails_at;  // index of the first byte that makes the prefix impossible
};

const Invalid kInvalid[] = {
    {"\xC0\x80", 0},          // overlong NUL
    {"\xC1\xBF", 0},          // overlong 2-byte
    {"\xE0\x80\x80", 1},      // overlong 3-byte
    {"\xE0\x9F\xBF", 1},      // overlong U+07FF
    {"\xF0\x80\x80\x80", 1},  // overlong 4-byte
    {"\xF0\x8F\xBF\xBF", 1},  // overlong U+FFFF
    {"\xED\xA0\x80", 1},      // U+D800, a high surrogate
    {"\xED\xBF\xBF", 1},      // U+DFFF, a low surrogate
    {"\xF4\x90\x80\x80", 1},  // U+110000
    {"\xF5\x80\x80\x80", 0},  // lead byte past U+10FFFF
    {"\xF7\xBF\xBF\xBF", 0},
    {"\xF8\x88\x80\x80\x80", 0},      // 5-byte form
    {"\xFC\x84\x80\x80\x80\x80", 0},  // 6-byte form
    {"\xFE", 0},
    {"\xFF", 0},
    {"\x80", 0},  // stray continuation
    {"abc\xBF", 3},
    {"\xC3\xA9\xA9", 2},  // one continuation too many
    {"\xC3"
     "a",
     1},  // lead byte followed by ASCII
    {"\xE2\x82"
     "a",
     2},
    {"\xF0\x9F\x98"
     "a",
     3},
    {"\xE2\xC3\xA9", 1},               // lead byte followed by a lead byte
    {"abcdefghijklmnop\xC0\xAF", 16},  // after the ASCII fast path
    {"abcdefgh\xED\xA0\x80", 9},
};

TEST(Utf8, AcceptsValidText) {
  for (std::string_view s : kValid) {
    SCOPED_TRACE(::testing::PrintToString(std::string(s)));
    EXPECT_TRUE(is_valid_utf8(s));
  }
}

TEST(Utf8, RejectsInvalidText) {
  for (const Invalid& c : kInvalid) {
    SCOPED_TRACE(::testing::PrintToString(std::string(c.bytes)));
    EXPECT_FALSE(is_valid_utf8(c.bytes));
  }
}

TEST(Utf8, RejectsEveryLeadByteF5ToFF) {
  for (int b = 0xF5; b <= 0xFF; ++b) {
    const std::string s = {static_cast<char>(b), '\x80', '\x80', '\x80'};
    EXPECT_FALSE(is_valid_utf8(s)) << "lead byte " << b;
  }
}

TEST(Utf8, RejectsEveryStrayContinuationByte) {
  for (int b = 0x80; b <= 0xBF; ++b) {
    const std::string s = {'a', static_cast<char>(b)};
    EXPECT_FALSE(is_valid_utf8(s)) << "byte " << b;
  }
}

TEST(Utf8, AgreesWithCodePointDefinitionForEveryTwoAndThreeByteSequence) {
  // A sequence is valid exactly when it decodes to a scalar value (not a surrogate) that
  // needs that many bytes; checked for every lead byte with every continuation value.
  for (int b0 = 0xC0; b0 <= 0xDF; ++b0) {
    for (int b1 = 0x80; b1 <= 0xBF; ++b1) {
      const std::string s = {static_cast<char>(b0), static_cast<char>(b1)};
      const int cp = (b0 & 0x1F) << 6 | (b1 & 0x3F);
      EXPECT_EQ(is_valid_utf8(s), cp >= 0x80) << b0 << " " << b1;
    }
  }
  for (int b0 = 0xE0; b0 <= 0xEF; ++b0) {
    for (int b1 = 0x80; b1 <= 0xBF; ++b1) {
      const std::string s = {static_cast<char>(b0), static_cast<char>(b1), '\x80'};
      const int cp = (b0 & 0x0F) << 12 | (b1 & 0x3F) << 6;
      EXPECT_EQ(is_valid_utf8(s), cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) << b0 << " " << b1;
    }
  }
  for (int b0 = 0xF0; b0 <= 0xF4; ++b0) {
    for (int b1 = 0x80; b1 <= 0xBF; ++b1) {
      const std::string s = {static_cast<char>(b0), static_cast<char>(b1), '\x80', '\x80'};
      const int cp = (b0 & 0x07) << 18 | (b1 & 0x3F) << 12;
      EXPECT_EQ(is_valid_utf8(s), cp >= 0x10000 && cp <= 0x10FFFF) << b0 << " " << b1;
    }
  }
}

TEST(Utf8, TruncatedSequenceIsNotComplete) {
  for (std::string_view s :
       {"\xC3", "\xE2", "\xE2\x82", "\xF0", "\xF0\x9F", "\xF0\x9F\x98", "ab\xF4\x8F\xBF"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(s)));
    Utf8Validator v;
    EXPECT_TRUE(v.feed(data_of(s), s.size()));  // a valid prefix so far
    EXPECT_FALSE(v.complete());
    EXPECT_FALSE(is_valid_utf8(s));
  }
}

TEST(Utf8, EmptyInputIsComplete) {
  Utf8Validator v;
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed(nullptr, 0));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8, SameVerdictAtEverySplitPoint) {
  for (std::string_view s : kValid) {
    SCOPED_TRACE(::testing::PrintToString(std::string(s)));
    for (std::size_t cut = 0; cut <= s.size(); ++cut) EXPECT_TRUE(valid_split(s, cut)) << "cut " << cut;
    EXPECT_TRUE(valid_bytewise(s));
  }
  for (const Invalid& c : kInvalid) {
    SCOPED_TRACE(::testing::PrintToString(std::string(c.bytes)));
    for (std::size_t cut = 0; cut <= c.bytes.size(); ++cut)
      EXPECT_FALSE(valid_split(c.bytes, cut)) << "cut " << cut;
    EXPECT_FALSE(valid_bytewise(c.bytes));
  }
}

TEST(Utf8, FailsAtFirstImpossibleByte) {
  // Fed one byte at a time, feed() must return false exactly at the offending byte, before
  // the rest of the message arrives.
  for (const Invalid& c : kInvalid) {
    SCOPED_TRACE(::testing::PrintToString(std::string(c.bytes)));
    Utf8Validator v;
    std::size_t failed_at = c.bytes.size();
    for (std::size_t i = 0; i < c.bytes.size(); ++i) {
      if (!v.feed(data_of(c.bytes) + i, 1)) {
        failed_at = i;
        break;
      }
    }
    EXPECT_EQ(failed_at, c.fails_at);
  }
}

TEST(Utf8, FailsFastOnPrefixWithoutTheRestOfTheMessage) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed(data_of("\xED\xA0"), 2));  // a surrogate, known after two bytes
  Utf8Validator w;
  EXPECT_FALSE(w.feed(data_of("\xF4\x90"), 2));  // above U+10FFFF, known after two bytes
  Utf8Validator x;
  EXPECT_FALSE(x.feed(data_of("\xE0\x80"), 2));  // overlong, known after two bytes
}

TEST(Utf8, StaysFailedAfterRejecting) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed(data_of("\xFF"), 1));
  EXPECT_FALSE(v.feed(data_of("a"), 1));
  EXPECT_FALSE(v.complete());
}

TEST(Utf8, ResetStartsOver) {
  Utf8Validator v;
  EXPECT_TRUE(v.feed(data_of("\xE2\x82"), 2));
  v.reset();
  EXPECT_TRUE(v.complete());
  EXPECT_TRUE(v.feed(data_of("abc"), 3));
  EXPECT_TRUE(v.complete());
  EXPECT_FALSE(v.feed(data_of("\xFF"), 1));
  v.reset();
  EXPECT_TRUE(v.feed(data_of("\xC3\xA9"), 2));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8, MultiByteCharacterSplitAcrossFeedsIsComplete) {
  const std::string_view s = "\xF0\x9F\x98\x80";
  Utf8Validator v;
  EXPECT_TRUE(v.feed(data_of(s), 1));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed(data_of(s) + 1, 2));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed(data_of(s) + 3, 1));
  EXPECT_TRUE(v.complete());
}

}  // namespace
}  // namespace sluice::detail
