// Sizes and durations as the configuration writes them: every unit, the refusals (ambiguous or
// unknown units, fractions, signs, overflow) and their messages.
#include "config/units.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

std::uint64_t size_of(std::string_view text) {
  auto r = parse_size(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error();
  return r.ok() ? r.value() : 0;
}

milliseconds duration_of(std::string_view text) {
  auto r = parse_duration(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error();
  return r.ok() ? r.value() : milliseconds{-1};
}

std::string size_error(std::string_view text) {
  auto r = parse_size(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

std::string duration_error(std::string_view text) {
  auto r = parse_duration(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

TEST(Units, SizeUnitsAreBinary) {
  EXPECT_EQ(size_of("512B"), 512u);
  EXPECT_EQ(size_of("256KiB"), 256u * 1024);
  EXPECT_EQ(size_of("1MiB"), 1024u * 1024);
  EXPECT_EQ(size_of("2GiB"), 2ull << 30);
  EXPECT_EQ(size_of("3TiB"), 3ull << 40);
}

TEST(Units, PlainIntegerIsBytes) {
  EXPECT_EQ(size_of("0"), 0u);
  EXPECT_EQ(size_of("65536"), 65536u);
}

TEST(Units, SpaceBetweenNumberAndUnitIsAccepted) { EXPECT_EQ(size_of("64 KiB"), 65536u); }

TEST(Units, DecimalAndLowercaseSizeUnitsAreRefusedWithTheValidOnes) {
  EXPECT_NE(size_error("1MB").find("unknown size unit 'MB'"), std::string::npos);
  EXPECT_NE(size_error("1kib").find("B, KiB, MiB, GiB or TiB"), std::string::npos);
}

TEST(Units, SizeGarbageIsRefused) {
  EXPECT_NE(size_error("").find("must not be empty"), std::string::npos);
  EXPECT_NE(size_error("MiB").find("not a size"), std::string::npos);
  EXPECT_NE(size_error("-1KiB").find("not a size"), std::string::npos);
  EXPECT_NE(size_error("1.5MiB").find("use a smaller unit"), std::string::npos);
  size_error(" 1KiB");
  size_error("1KiB ");
}

TEST(Units, SizeOverflowIsRefused) {
  EXPECT_EQ(size_of("18446744073709551615"), 18446744073709551615ull);
  EXPECT_NE(size_error("18446744073709551616").find("too large"), std::string::npos);
  EXPECT_NE(size_error("16777216TiB").find("too large"), std::string::npos);
  EXPECT_EQ(size_of("16777215TiB"), 16777215ull << 40);
}

TEST(Units, DurationUnits) {
  EXPECT_EQ(duration_of("250ms"), milliseconds{250});
  EXPECT_EQ(duration_of("10s"), milliseconds{10'000});
  EXPECT_EQ(duration_of("5min"), milliseconds{300'000});
  EXPECT_EQ(duration_of("1h"), milliseconds{3'600'000});
  EXPECT_EQ(duration_of("0s"), milliseconds{0});
}

TEST(Units, BareZeroIsAZeroDuration) { EXPECT_EQ(duration_of("0"), milliseconds{0}); }

TEST(Units, DurationWithoutUnitIsRefusedWithASuggestion) {
  EXPECT_NE(duration_error("10").find("needs a unit"), std::string::npos);
  EXPECT_NE(duration_error("10").find("\"10s\""), std::string::npos);
}

TEST(Units, MinuteMustBeSpelledOut) { EXPECT_NE(duration_error("5m").find("ambiguous"), std::string::npos); }

TEST(Units, DurationGarbageIsRefused) {
  EXPECT_NE(duration_error("10 sec").find("unknown duration unit 'sec'"), std::string::npos);
  EXPECT_NE(duration_error("s").find("not a duration"), std::string::npos);
  EXPECT_NE(duration_error("").find("must not be empty"), std::string::npos);
  duration_error("-5s");
  duration_error("1.5s");
}

TEST(Units, DurationOverflowIsRefused) {
  EXPECT_NE(duration_error("9223372036854775807h").find("too large"), std::string::npos);
  EXPECT_NE(duration_error("99999999999999999999ms").find("too large"), std::string::npos);
  EXPECT_EQ(duration_of("9223372036854775807ms"), milliseconds{9223372036854775807});
}

TEST(Units, FormatPicksTheLargestExactUnit) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(65536), "64KiB");
  EXPECT_EQ(format_size(1ull << 30), "1GiB");
  EXPECT_EQ(format_duration(milliseconds{0}), "0ms");
  EXPECT_EQ(format_duration(milliseconds{1500}), "1500ms");
  EXPECT_EQ(format_duration(milliseconds{600'000}), "10min");
  EXPECT_EQ(format_duration(milliseconds{7'200'000}), "2h");
}

TEST(Units, FormatThenParseIsTheIdentity) {
  for (std::uint64_t v : {0ull, 1ull, 1023ull, 1024ull, 3ull << 20, 12345678ull}) {
    EXPECT_EQ(size_of(format_size(v)), v);
  }
  for (long v : {0L, 1L, 999L, 1000L, 61'000L, 3'600'000L}) {
    EXPECT_EQ(duration_of(format_duration(milliseconds{v})), milliseconds{v});
  }
}

}  // namespace
}  // namespace sluice::relay
