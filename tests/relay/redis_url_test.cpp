// RedisUrl: the forms [broker] url takes, and the mistakes it names.
#include <gtest/gtest.h>

#include "broker/redis_url.hpp"

namespace sluice::relay {
namespace {

RedisUrl ok(std::string_view text) {
  auto r = parse_redis_url(text);
  EXPECT_TRUE(std::holds_alternative<RedisUrl>(r)) << text << ": " << std::get<std::string>(r);
  return std::holds_alternative<RedisUrl>(r) ? std::get<RedisUrl>(r) : RedisUrl{};
}

std::string refused(std::string_view text) {
  auto r = parse_redis_url(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(r)) << text;
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(RedisUrl, HostPortAndDatabase) {
  const RedisUrl u = ok("redis://10.0.0.5:6380/3");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 3);
  EXPECT_TRUE(u.password.empty());
  EXPECT_FALSE(u.is_unix());
  EXPECT_EQ(u.where(), "10.0.0.5:6380");
}

TEST(RedisUrl, DefaultsArePort6379AndDatabase0) {
  const RedisUrl u = ok("redis://localhost");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  EXPECT_EQ(ok("redis://localhost/").db, 0);
}

TEST(RedisUrl, PasswordAndUserAreDecoded) {
  const RedisUrl p = ok("redis://:s%40cret@127.0.0.1:6379/0");
  EXPECT_EQ(p.password, "s@cret");
  EXPECT_TRUE(p.user.empty());
  const RedisUrl u = ok("redis://relay:pw@127.0.0.1");
  EXPECT_EQ(u.user, "relay");
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.where().find("pw"), std::string::npos);
}

TEST(RedisUrl, Ipv6InBrackets) {
  const RedisUrl u = ok("redis://[::1]:7000/1");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 7000);
  EXPECT_EQ(u.where(), "[::1]:7000");
}

TEST(RedisUrl, UnixSocketWithDatabaseAndPassword) {
  const RedisUrl u = ok("unix:/run/redis/redis.sock?db=2&password=x%20y");
  EXPECT_TRUE(u.is_unix());
  EXPECT_EQ(u.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(u.db, 2);
  EXPECT_EQ(u.password, "x y");
  EXPECT_EQ(ok("unix:///tmp/r.sock").socket_path, "/tmp/r.sock");
}

TEST(RedisUrl, MistakesAreNamed) {
  EXPECT_NE(refused("http://localhost").find("redis://"), std::string::npos);
  EXPECT_NE(refused("redis://localhost:0").find("port"), std::string::npos);
  EXPECT_NE(refused("redis://localhost:99999").find("port"), std::string::npos);
  EXPECT_NE(refused("redis://localhost:/").find("port"), std::string::npos);
  EXPECT_NE(refused("redis://localhost/x").find("database"), std::string::npos);
  EXPECT_NE(refused("redis:///0").find("host"), std::string::npos);
  EXPECT_NE(refused("redis://user@localhost").find("password"), std::string::npos);
  EXPECT_NE(refused("redis://:%zz@localhost").find("escape"), std::string::npos);
  EXPECT_NE(refused("redis://:pw%4@localhost").find("escape"), std::string::npos);
  EXPECT_NE(refused("unix:relative.sock").find("absolute"), std::string::npos);
  EXPECT_NE(refused("unix:/tmp/r.sock?color=red").find("color"), std::string::npos);
  EXPECT_NE(refused("redis://localhost/0?x=1").find("query"), std::string::npos);
}

}  // namespace
}  // namespace sluice::relay
