// Base64: the RFC 4648 §10 test vectors, round trips of random bytes, and the refusals of the
// strict decoder.
#include "http/base64.hpp"

#include <gtest/gtest.h>

#include <random>

namespace sluice::relay {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string decoded(std::string_view text) {
  auto out = base64_decode(text);
  EXPECT_TRUE(out.has_value()) << text;
  return out ? std::string(out->begin(), out->end()) : "";
}

TEST(Base64, EncodesTheRfcTestVectors) {
  EXPECT_EQ(base64_encode(bytes_of("")), "");
  EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes_of("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(bytes_of("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
}

TEST(Base64, UsesTheStandardAlphabetForHighBits) {
  const std::uint8_t all_ones[] = {0xFF, 0xFF, 0xFE};
  EXPECT_EQ(base64_encode(all_ones), "///+");
  const std::uint8_t zeros[] = {0, 0, 0};
  EXPECT_EQ(base64_encode(zeros), "AAAA");
}

TEST(Base64, AppendKeepsWhatIsThere) {
  std::string out = "x:";
  append_base64(out, bytes_of("fo"));
  EXPECT_EQ(out, "x:Zm8=");
  EXPECT_EQ(base64_encoded_size(4), 8u);
}

TEST(Base64, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(decoded(""), "");
  EXPECT_EQ(decoded("Zg=="), "f");
  EXPECT_EQ(decoded("Zg"), "f");
  EXPECT_EQ(decoded("Zm8="), "fo");
  EXPECT_EQ(decoded("Zm8"), "fo");
  EXPECT_EQ(decoded("Zm9vYmFy"), "foobar");
}

TEST(Base64, RefusesMalformedInput) {
  for (std::string_view bad :
       {"Z", "Zm9vY", "Zg=", "Z===", "====", "Zg==Zg==", "Zm9v!", "Zm 9v", "Zh==", "Zm9=", "-_8="}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RoundTripsRandomBytes) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n < 200; ++n) {
    std::vector<std::uint8_t> data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const std::string text = base64_encode(data);
    EXPECT_EQ(text.size(), base64_encoded_size(n));
    EXPECT_EQ(base64_decode(text), data);
  }
}

}  // namespace
}  // namespace sluice::relay
