// HOST:PORT parsing: names, IPv4, bracketed IPv6, and the refusals with the hints that come
// with them.
#include "config/endpoint.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

Endpoint endpoint(std::string_view text) {
  auto r = parse_endpoint(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error();
  return r.ok() ? r.value() : Endpoint{};
}

std::string error(std::string_view text) {
  auto r = parse_endpoint(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error();
}

TEST(Endpoint, ParsesIpv4AndNames) {
  EXPECT_EQ(endpoint("127.0.0.1:8080"), (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(endpoint("0.0.0.0:0"), (Endpoint{"0.0.0.0", 0}));
  EXPECT_EQ(endpoint("localhost:65535"), (Endpoint{"localhost", 65535}));
  EXPECT_EQ(endpoint("sensor-1.example.org:5000"), (Endpoint{"sensor-1.example.org", 5000}));
}

TEST(Endpoint, ParsesBracketedIpv6) {
  const Endpoint e = endpoint("[::1]:8080");
  EXPECT_EQ(e, (Endpoint{"::1", 8080}));
  EXPECT_TRUE(e.is_ipv6());
  EXPECT_EQ(endpoint("[fe80::1:2]:1").host, "fe80::1:2");
  EXPECT_EQ(endpoint("[::]:80").host, "::");
}

TEST(Endpoint, PrintsTheWrittenForm) {
  EXPECT_EQ(endpoint("[::1]:8080").to_string(), "[::1]:8080");
  EXPECT_EQ(endpoint("127.0.0.1:80").to_string(), "127.0.0.1:80");
}

TEST(Endpoint, MissingPortIsRefusedWithAnExample) {
  EXPECT_NE(error("localhost").find("has no port"), std::string::npos);
  EXPECT_NE(error("[::1]").find("has no port"), std::string::npos);
  EXPECT_NE(error("[::1]8080").find("has no port"), std::string::npos);
}

TEST(Endpoint, UnbracketedIpv6IsRefusedWithAHint) {
  EXPECT_NE(error("::1:8080").find("in brackets"), std::string::npos);
}

TEST(Endpoint, BadPortsAreRefused) {
  for (std::string_view bad : {"a:65536", "a:", "a:-1", "a:80x", "a:123456", "a: 80"}) {
    EXPECT_NE(error(bad).find("is not a number from 0 to 65535"), std::string::npos) << bad;
  }
}

TEST(Endpoint, BadHostsAreRefused) {
  EXPECT_NE(error(":8080").find("has no host"), std::string::npos);
  EXPECT_NE(error("300.1.1.1:80").find("not a valid IPv4 address"), std::string::npos);
  EXPECT_NE(error("1.2.3:80").find("not a valid IPv4 address"), std::string::npos);
  EXPECT_NE(error("bad_host:80").find("not a valid host name"), std::string::npos);
  EXPECT_NE(error("-a:80").find("not a valid host name"), std::string::npos);
  EXPECT_NE(error("a..b:80").find("not a valid host name"), std::string::npos);
  EXPECT_NE(error("[::g]:80").find("not a valid IPv6 address"), std::string::npos);
  EXPECT_NE(error("[::1:80").find("no closing"), std::string::npos);
}

}  // namespace
}  // namespace sluice::relay
