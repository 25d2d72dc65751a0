// Deflater and Inflater: messages round-trip with and without context takeover, a block with
// BFINAL set ends its message, inflating stops at the limit (a bomb never gets past it), and what
// zlib holds is charged and given back.
#include "ws/deflate_stream.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <span>
#include <string>

namespace sluice::detail {
namespace {

class CountingAccount final : public mem::MemoryAccount {
 public:
  bool try_charge(std::size_t bytes, std::size_t) override {
    if (held + bytes > limit) return false;
    held += bytes;
    return true;
  }
  void uncharge(std::size_t bytes) override { held -= bytes; }
  std::size_t held = 0;
  std::size_t limit = SIZE_MAX;
};

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(DeflateStream, MessagesRoundTripWithAndWithoutContext) {
  CountingAccount account;
  for (bool keep : {false, true}) {
    Deflater d(account, 15);
    Inflater i(account);
    std::string z, out;
    for (const std::string& m : {std::string(1000, 'a'), std::string("héllo ") + std::string(300, 'b'),
                                 std::string(1000, 'a'), std::string()}) {
      ASSERT_TRUE(d.compress(m, z, keep));
      ASSERT_EQ(i.inflate(bytes(z), out, 1 << 20, keep), Inflater::Result::ok);
      EXPECT_EQ(out, m);
    }
  }
}

TEST(DeflateStream, ContextTakeoverMakesARepeatSmaller) {
  CountingAccount account;
  Deflater d(account, 15);
  const std::string m = "a line that repeats itself across messages, with some words";
  std::string first, second;
  ASSERT_TRUE(d.compress(m, first, true));
  ASSERT_TRUE(d.compress(m, second, true));
  EXPECT_LT(second.size(), first.size());
}

TEST(DeflateStream, InflatingStopsAtTheLimit) {
  CountingAccount account;
  Deflater d(account, 15);
  Inflater i(account);
  std::string z, out;
  ASSERT_TRUE(d.compress(std::string(10'000'000, '\0'), z, false));
  EXPECT_LT(z.size(), 20'000u);
  EXPECT_EQ(i.inflate(bytes(z), out, 100'000, false), Inflater::Result::too_big);
  EXPECT_LE(out.size(), 100'001u);
  ASSERT_TRUE(d.compress(std::string(100'000, 'q'), z, false));
  EXPECT_EQ(i.inflate(bytes(z), out, 100'000, false), Inflater::Result::ok);  // exactly the limit
  EXPECT_EQ(out.size(), 100'000u);
}

// RFC 7692 §7.2.3.4's example: "Hello" in one block with BFINAL set (and a byte after it).
const std::string kHelloFinal("\xf3\x48\xcd\xc9\xc9\x07\x00\x00", 8);

// `m` as one raw DEFLATE stream ended by a BFINAL block, after `window` as a preset dictionary:
// what a sender that flushes with Z_FINISH and keeps its window sends.
std::string finished(const std::string& m, const std::string& window = {}) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  if (!window.empty())
    deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(window.data()), static_cast<uInt>(window.size()));
  std::string out(deflateBound(&z, m.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
  z.avail_in = static_cast<uInt>(m.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(DeflateStream, ABlockWithBfinalEndsTheMessageAndTheNextStartsANewStream) {
  CountingAccount account;
  for (bool keep : {false, true}) {
    Inflater i(account);
    std::string out;
    // What follows the final block (the example's extra byte, the tail put back) is passed over.
    ASSERT_EQ(i.inflate(bytes(kHelloFinal), out, 1 << 20, keep), Inflater::Result::ok);
    EXPECT_EQ(out, "Hello");
    const std::string second = finished("a second message, its own stream");
    ASSERT_EQ(i.inflate(bytes(second), out, 1 << 20, keep), Inflater::Result::ok);
    EXPECT_EQ(out, "a second message, its own stream");
  }
}

TEST(DeflateStream, WithContextTakeoverANewStreamMayReferBackPastABfinalBlock) {
  CountingAccount account;
  Inflater i(account);
  std::string out;
  const std::string first = "temperature=21.5 humidity=40 pressure=1013";
  ASSERT_EQ(i.inflate(bytes(finished(first)), out, 1 << 20, true), Inflater::Result::ok);
  const std::string second = "temperature=21.6 humidity=40 pressure=1013";
  ASSERT_EQ(i.inflate(bytes(finished(second, first)), out, 1 << 20, true), Inflater::Result::ok);
  EXPECT_EQ(out, second);
}

TEST(DeflateStream, ABfinalMessageIsStillHeldToTheLimit) {
  CountingAccount account;
  Inflater i(account);
  std::string out;
  EXPECT_EQ(i.inflate(bytes(kHelloFinal), out, 4, true), Inflater::Result::too_big);
  EXPECT_EQ(i.inflate(bytes(kHelloFinal), out, 5, true), Inflater::Result::ok);
}

TEST(DeflateStream, CorruptDataIsAnError) {
  CountingAccount account;
  Inflater i(account);
  std::string out;
  const std::string junk = "\xff\xff\xff\xff not deflate";
  EXPECT_EQ(i.inflate(bytes(junk), out, 1 << 20, false), Inflater::Result::error);
}

TEST(DeflateStream, WhatZlibHoldsIsChargedAndGivenBack) {
  CountingAccount account;
  {
    Deflater d(account, 15);
    Inflater i(account);
    EXPECT_EQ(account.held, 0u);  // nothing until a message flows
    std::string z, out;
    ASSERT_TRUE(d.compress(std::string(5000, 'z'), z, true));
    ASSERT_EQ(i.inflate(bytes(z), out, 1 << 20, true), Inflater::Result::ok);
    EXPECT_GT(account.held, 200'000u);  // a 15-bit deflate stream: about 256 KiB; inflate 7 KiB + 32 KiB
    EXPECT_EQ(account.held, d.held() + i.held());
    d.release();
    i.release();
    EXPECT_EQ(account.held, 0u);
  }
  EXPECT_EQ(account.held, 0u);
}

TEST(DeflateStream, ARefusedBudgetSendsUncompressed) {
  CountingAccount account;
  account.limit = 10'000;
  Deflater d(account, 15);
  std::string z;
  EXPECT_FALSE(d.compress(std::string(5000, 'z'), z, false));
  EXPECT_EQ(account.held, 0u);
}

}  // namespace
}  // namespace sluice::detail
