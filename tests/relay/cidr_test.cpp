// IP addresses and CIDR ranges: parsing, containment, IPv4-mapped addresses, and the
// refusals (bad text, bits set after the prefix).
#include "config/cidr.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::relay {
namespace {

Cidr cidr(std::string_view text) {
  auto r = Cidr::parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error();
  return r.ok() ? r.value() : Cidr::parse("0.0.0.0/0").value();
}

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? *a : *IpAddress::parse("0.0.0.0");
}

TEST(Cidr, ParsesAddressesOfBothFamilies) {
  EXPECT_EQ(ip("10.1.2.3").family(), IpAddress::Family::v4);
  EXPECT_EQ(ip("::1").family(), IpAddress::Family::v6);
  EXPECT_EQ(ip("10.1.2.3").to_string(), "10.1.2.3");
  EXPECT_EQ(ip("0:0::1").to_string(), "::1");
  EXPECT_FALSE(IpAddress::parse("10.1.2").has_value());
  EXPECT_FALSE(IpAddress::parse("[::1]").has_value());
}

TEST(Cidr, MappedIpv4IsIpv4) {
  EXPECT_EQ(ip("::ffff:127.0.0.1"), ip("127.0.0.1"));
  const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 168, 1, 2};
  EXPECT_EQ(IpAddress::from_bytes(mapped), ip("192.168.1.2"));
  EXPECT_TRUE(cidr("127.0.0.0/8").contains(ip("::ffff:127.0.0.5")));
}

TEST(Cidr, FromBytesTakesFourOrSixteen) {
  const std::uint8_t four[4] = {1, 2, 3, 4};
  EXPECT_EQ(IpAddress::from_bytes(four)->to_string(), "1.2.3.4");
  const std::uint8_t five[5] = {};
  EXPECT_FALSE(IpAddress::from_bytes(five).has_value());
}

TEST(Cidr, ContainsWhatItsPrefixCovers) {
  const Cidr loopback = cidr("127.0.0.0/8");
  EXPECT_TRUE(loopback.contains(ip("127.0.0.1")));
  EXPECT_TRUE(loopback.contains(ip("127.255.255.255")));
  EXPECT_FALSE(loopback.contains(ip("128.0.0.1")));
  EXPECT_FALSE(loopback.contains(ip("::1")));
  const Cidr odd = cidr("192.168.0.0/23");
  EXPECT_TRUE(odd.contains(ip("192.168.1.200")));
  EXPECT_FALSE(odd.contains(ip("192.168.2.1")));
  EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("8.8.8.8")));
  EXPECT_TRUE(cidr("::/0").contains(ip("2001:db8::1")));
  EXPECT_TRUE(cidr("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(cidr("2001:db8::/33").contains(ip("2001:db8:8000::1")));
  EXPECT_TRUE(cidr("::1/128").contains(ip("::1")));
  EXPECT_FALSE(cidr("::1/128").contains(ip("::2")));
}

TEST(Cidr, BareAddressIsASingleHost) {
  EXPECT_EQ(cidr("10.0.0.1").prefix_length(), 32);
  EXPECT_EQ(cidr("::1").prefix_length(), 128);
  EXPECT_EQ(cidr("10.0.0.1").to_string(), "10.0.0.1/32");
}

TEST(Cidr, RefusesBitsAfterThePrefix) {
  auto r = Cidr::parse("127.0.0.1/8");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("bits set after its /8 prefix"), std::string::npos);
  EXPECT_FALSE(Cidr::parse("192.168.1.0/23").ok());
}

TEST(Cidr, RefusesBadText) {
  for (std::string_view bad :
       {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/x", "10.0.0.0/-1", "host/8", "10.0.0.0/0008"}) {
    EXPECT_FALSE(Cidr::parse(bad).ok()) << bad;
  }
}

TEST(Cidr, AnyContainsChecksEveryRange) {
  const std::vector<Cidr> list = {cidr("127.0.0.0/8"), cidr("::1/128")};
  EXPECT_TRUE(any_contains(list, ip("::1")));
  EXPECT_TRUE(any_contains(list, ip("127.1.1.1")));
  EXPECT_FALSE(any_contains(list, ip("10.0.0.1")));
  EXPECT_FALSE(any_contains({}, ip("127.0.0.1")));
}

}  // namespace
}  // namespace sluice::relay
