// RelayConfig loading: defaults, [server], and how errors are reported (FILE:LINE:COLUMN, at
// the offending value or key).
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "alloc_counter.hpp"
#include "config/config_schema.hpp"
#include "config_test_helpers.hpp"

namespace sluice::relay {
namespace {

using test::config_of;
using test::contains;
using test::error_of;
using test::message_of;

TEST(RelayConfig, DefaultConfigListensOnLoopbackAndPublishesFromLoopbackOnly) {
  const RelayConfig c = default_config();
  EXPECT_EQ(c.server.listen, (Endpoint{"127.0.0.1", 8080}));
  ASSERT_EQ(c.server.http_publish_from.size(), 2u);
  EXPECT_TRUE(any_contains(c.server.http_publish_from, *IpAddress::parse("127.0.0.1")));
  EXPECT_TRUE(any_contains(c.server.http_publish_from, *IpAddress::parse("::1")));
  EXPECT_FALSE(any_contains(c.server.http_publish_from, *IpAddress::parse("10.0.0.1")));
  EXPECT_TRUE(c.topics.empty());
  EXPECT_TRUE(c.sources.empty());
  EXPECT_TRUE(c.server.api_key.empty());
  EXPECT_TRUE(c.server.allowed_origins.empty());
  EXPECT_EQ(TopicConfig{}.subscribe, SubscribeAccess::anyone);
}

TEST(RelayConfig, EmptyFileGivesTheDefaults) {
  const RelayConfig c = config_of("");
  const ServerConfig d;
  EXPECT_EQ(c.origin, "test.toml");
  EXPECT_EQ(c.server.listen, d.listen);
  EXPECT_EQ(c.server.threads, d.threads);
  EXPECT_EQ(c.server.max_message_size, 1u << 20);
  EXPECT_EQ(c.server.policy, SlowConsumerPolicy::close);
  EXPECT_EQ(c.server.http_publish_from, d.http_publish_from);
  EXPECT_EQ(c.server.ping_interval, milliseconds{30'000});
}

TEST(RelayConfig, ReadsEveryServerKey) {
  const RelayConfig c = config_of(R"(
[server]
listen = "[::1]:9000"
threads = 4
max_connections = 500
max_connections_per_ip = 20
max_handshakes = 64
max_message_size = "64KiB"
allowed_origins = ["https://example.org", "http://localhost:8080"]
api_key = "s3cret"
http_publish_from = ["10.0.0.0/8"]
max_buffered_bytes = "2MiB"
low_watermark = "512KiB"
memory_limit = "3GiB"
max_total_buffered_bytes = "4GiB"
policy = "drop_oldest"
close_grace = "250ms"
write_timeout = "0"
ping_interval = "15s"
idle_timeout = "1min"
close_timeout = "2s"
handshake_timeout = "3s"
shutdown_timeout = "1s"
shutdown_delay = "3s"
send_buffer_bytes = 65536
metrics = false
)");
  const ServerConfig& s = c.server;
  EXPECT_EQ(s.listen, (Endpoint{"::1", 9000}));
  EXPECT_EQ(s.threads, 4);
  EXPECT_EQ(s.max_connections, 500u);
  EXPECT_EQ(s.max_connections_per_ip, 20u);
  EXPECT_EQ(s.max_handshakes, 64u);
  EXPECT_EQ(s.max_message_size, 64u * 1024);
  EXPECT_EQ(s.allowed_origins, (std::vector<std::string>{"https://example.org", "http://localhost:8080"}));
  EXPECT_EQ(s.api_key, "s3cret");
  ASSERT_EQ(s.http_publish_from.size(), 1u);
  EXPECT_EQ(s.http_publish_from[0].to_string(), "10.0.0.0/8");
  EXPECT_EQ(s.max_buffered_bytes, 2u << 20);
  EXPECT_EQ(s.low_watermark, 512u * 1024);
  EXPECT_EQ(s.memory_limit, 3ull << 30);
  EXPECT_EQ(s.max_total_buffered_bytes, 4ull << 30);
  EXPECT_EQ(s.policy, SlowConsumerPolicy::drop_oldest);
  EXPECT_EQ(s.close_grace, milliseconds{250});
  EXPECT_EQ(s.write_timeout, milliseconds{0});
  EXPECT_EQ(s.ping_interval, milliseconds{15'000});
  EXPECT_EQ(s.idle_timeout, milliseconds{60'000});
  EXPECT_EQ(s.close_timeout, milliseconds{2'000});
  EXPECT_EQ(s.handshake_timeout, milliseconds{3'000});
  EXPECT_EQ(s.shutdown_timeout, milliseconds{1'000});
  EXPECT_EQ(s.send_buffer_bytes, 65536u);
  EXPECT_EQ(s.shutdown_delay, milliseconds{3'000});
  EXPECT_FALSE(s.metrics);
}

TEST(RelayConfig, TheMemoryLimitAndTheBudgetAreDerivedWhenUnsetAndMetricsAreOn) {
  const ServerConfig s = config_of("").server;
  EXPECT_FALSE(s.memory_limit);
  EXPECT_FALSE(s.max_total_buffered_bytes);
  EXPECT_TRUE(s.metrics);
  EXPECT_EQ(s.shutdown_delay, milliseconds{0});
  EXPECT_TRUE(contains(message_of("[server]\nmemory_limit = \"512KiB\"\n"), "memory_limit"));
}

TEST(RelayConfig, UnknownKeyIsAnErrorWithItsPosition) {
  const ConfigError e = error_of("[server]\nthreads = 1\n  thread = 2\n");
  EXPECT_EQ(e.file, "test.toml");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_EQ(e.message, "unknown key 'thread' in [server] (did you mean 'threads'?)");
  EXPECT_EQ(e.to_string(), "test.toml:3:3: unknown key 'thread' in [server] (did you mean 'threads'?)");
}

TEST(RelayConfig, UnknownKeyWithoutACloseOneHasNoSuggestion) {
  EXPECT_EQ(message_of("[server]\ncompletely_unknown = 1\n"), "unknown key 'completely_unknown' in [server]");
}

TEST(RelayConfig, UnknownTopLevelKeyIsAnError) {
  const ConfigError e = error_of("servers = 1\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.message, "unknown key 'servers' at the top level (did you mean 'server'?)");
  EXPECT_TRUE(contains(message_of("[sever]\n"), "unknown key 'sever' at the top level"));
}

TEST(RelayConfig, WrongTypeIsReportedAtTheValue) {
  const ConfigError e = error_of("[server]\nthreads = \"2\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 11u);
  EXPECT_EQ(e.message, "server.threads: expected an integer, got a string");
  EXPECT_EQ(message_of("[server]\napi_key = 5\n"), "server.api_key: expected a string, got an integer");
  EXPECT_EQ(message_of("[server]\nmax_message_size = true\n"),
            "server.max_message_size: expected a size such as \"64KiB\" or a number of bytes, got a boolean");
  EXPECT_EQ(message_of("[server]\nping_interval = 1.5\n"),
            "server.ping_interval: expected a duration such as \"10s\", got a floating-point number");
  EXPECT_EQ(message_of("[server]\nallowed_origins = \"http://a\"\n"),
            "server.allowed_origins: expected an array of strings, got a string");
}

TEST(RelayConfig, OutOfRangeValueIsAnError) {
  const ConfigError e = error_of("[server]\nthreads = 0\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.message, "server.threads: must be from 1 to 256, not 0");
  EXPECT_EQ(message_of("[server]\nmax_message_size = \"2GiB\"\n"),
            "server.max_message_size: must be from 1B to 1GiB, not 2GiB");
  EXPECT_EQ(message_of("[server]\nsend_buffer_bytes = -1\n"),
            "server.send_buffer_bytes: must not be negative");
  EXPECT_TRUE(contains(message_of("[server]\nclose_timeout = \"0s\"\n"), "must be from 1ms to 1h, not 0ms"));
}

TEST(RelayConfig, BadEnumListsTheChoices) {
  const ConfigError e = error_of("[server]\npolicy = \"drop\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 10u);
  EXPECT_EQ(
      e.message,
      "server.policy: \"drop\" is not one of close | drop_newest | drop_oldest | latest | backpressure");
}

TEST(RelayConfig, BadListenAddressIsAnError) {
  EXPECT_TRUE(
      contains(message_of("[server]\nlisten = \"localhost\"\n"), "server.listen: \"localhost\" has no port"));
  EXPECT_TRUE(contains(message_of("[server]\nlisten = \"::1:80\"\n"), "in brackets"));
  EXPECT_TRUE(
      contains(message_of("[server]\nlisten = \"1.2.3.4:70000\"\n"), "is not a number from 0 to 65535"));
}

TEST(RelayConfig, BadSizesAndDurationsSayWhy) {
  EXPECT_TRUE(contains(message_of("[server]\nmax_message_size = \"1MB\"\n"), "unknown size unit 'MB'"));
  EXPECT_TRUE(contains(message_of("[server]\nping_interval = \"30\"\n"), "needs a unit"));
  EXPECT_EQ(message_of("[server]\nping_interval = 30\n"),
            "server.ping_interval: a duration needs a unit: write \"30s\" or \"30ms\"");
  EXPECT_EQ(config_of("[server]\nping_interval = 0\n").server.ping_interval, milliseconds{0});
}

TEST(RelayConfig, LowWatermarkMayNotExceedTheCap) {
  EXPECT_TRUE(
      contains(message_of("[server]\nlow_watermark = \"2MiB\"\n"),
               "server.low_watermark: low_watermark (2MiB) must not be above max_buffered_bytes (1MiB)"));
  EXPECT_TRUE(
      contains(message_of("[server]\nmax_buffered_bytes = \"128KiB\"\n"), "server.max_buffered_bytes: "));
}

TEST(RelayConfig, ApiKeyAndApiKeyFileTogetherIsAnError) {
  const ConfigError e = error_of("[server]\napi_key = \"a\"\napi_key_file = \"k\"\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.message, "server.api_key_file: set api_key or api_key_file, not both");
}

TEST(RelayConfig, ApiKeyMustBePrintable) {
  EXPECT_EQ(message_of("[server]\napi_key = \"with space\"\n"),
            "server.api_key: must be printable ASCII without spaces");
  EXPECT_EQ(message_of("[server]\napi_key = \"\"\n"), "server.api_key: must not be empty");
}

TEST(RelayConfig, ApiKeyFileIsReadAtLoadWithoutItsNewline) {
  const std::string path = testing::TempDir() + "relay_api_key_test.key";
  std::ofstream(path) << "from-file\r\n";
  const RelayConfig c = config_of("[server]\napi_key_file = \"" + path + "\"\n");
  EXPECT_EQ(c.server.api_key, "from-file");
  std::remove(path.c_str());
}

TEST(RelayConfig, RelativeApiKeyFileIsFoundBesideTheConfigFile) {
  const std::string dir = testing::TempDir();
  std::ofstream(dir + "relay_beside.key") << "beside\n";
  std::ofstream(dir + "relay_beside.toml") << "[server]\napi_key_file = \"relay_beside.key\"\n";
  const ConfigResult r = load_config_file(dir + "relay_beside.toml");
  ASSERT_TRUE(r.ok()) << r.error.to_string();
  EXPECT_EQ(r.config->server.api_key, "beside");
  EXPECT_EQ(r.config->origin, dir + "relay_beside.toml");
  std::remove((dir + "relay_beside.key").c_str());
  std::remove((dir + "relay_beside.toml").c_str());
}

TEST(RelayConfig, MissingOrEmptyApiKeyFileIsAnErrorNamingIt) {
  const ConfigError e = error_of("[server]\napi_key_file = \"/nonexistent/dir/key\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.message,
            "server.api_key_file: cannot read \"/nonexistent/dir/key\": No such file or directory");
  const std::string path = testing::TempDir() + "relay_empty.key";
  std::ofstream(path) << "\n";
  EXPECT_TRUE(contains(message_of("[server]\napi_key_file = \"" + path + "\"\n"), "is empty"));
  std::remove(path.c_str());
}

TEST(RelayConfig, HttpPublishFromReplacesTheDefault) {
  const RelayConfig c = config_of("[server]\nhttp_publish_from = [\"192.168.0.0/16\", \"::1\"]\n");
  ASSERT_EQ(c.server.http_publish_from.size(), 2u);
  EXPECT_FALSE(any_contains(c.server.http_publish_from, *IpAddress::parse("127.0.0.1")));
  EXPECT_TRUE(any_contains(c.server.http_publish_from, *IpAddress::parse("192.168.3.4")));
  EXPECT_TRUE(config_of("[server]\nhttp_publish_from = []\n").server.http_publish_from.empty());
}

TEST(RelayConfig, BadCidrIsReportedAtItsElement) {
  const ConfigError e = error_of("[server]\nhttp_publish_from = [\"127.0.0.0/8\", \"10.0.0.1/8\"]\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 37u);
  EXPECT_TRUE(
      contains(e.message, "server.http_publish_from: \"10.0.0.1/8\" has bits set after its /8 prefix"));
}

TEST(RelayConfig, AllowedOriginsAreOriginsOnly) {
  EXPECT_TRUE(contains(message_of("[server]\nallowed_origins = [\"https://a.org/app\"]\n"), "has a path"));
  EXPECT_TRUE(contains(message_of("[server]\nallowed_origins = [\"a.org\"]\n"), "is not an origin"));
  EXPECT_TRUE(contains(message_of("[server]\nallowed_origins = [1]\n"), "expected a string, got an integer"));
}

TEST(RelayConfig, InvalidTomlIsReportedWithItsPosition) {
  const ConfigError e = error_of("[server]\nthreads = = 1\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_TRUE(contains(e.message, "invalid TOML: ")) << e.message;
  EXPECT_TRUE(contains(message_of("[server]\nthreads = 1\nthreads = 2\n"), "invalid TOML"));
}

TEST(RelayConfig, TablesMustHaveTheirShape) {
  EXPECT_EQ(message_of("server = 1\n"), "'server' must be a table: write [server]");
  EXPECT_EQ(message_of("[topic]\nmatch = \"a\"\n"), "'topic' must be an array of tables: write [[topic]]");
  EXPECT_EQ(message_of("source = [1]\n"), "'source' must be an array of tables: write [[source]]");
  EXPECT_TRUE(config_of("topic = []\nsource = []\n").topics.empty());
}

TEST(RelayConfig, MissingFileIsAnErrorWithoutPosition) {
  const ConfigResult r = load_config_file("/nonexistent/sluice.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.line, 0u);
  EXPECT_EQ(r.error.to_string(), "/nonexistent/sluice.toml: cannot read: No such file or directory");
}

TEST(RelayConfig, FileErrorsNameTheFile) {
  const std::string path = testing::TempDir() + "relay_bad.toml";
  std::ofstream(path) << "[server]\n\nthreads = 1000\n";
  const ConfigResult r = load_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.to_string(), path + ":3:11: server.threads: must be from 1 to 256, not 1000");
  std::remove(path.c_str());
}

TEST(RelayConfig, ReadingAFileHoldsMemoryForWhatItHoldsNotForTheLargestFileAllowed) {
  // A buffer of the 16 MiB allowed, filled up front, stayed resident after every reload.
  const std::string path = testing::TempDir() + "relay_small.toml";
  std::ofstream(path) << "[server]\nthreads = 2\n";
  test::reset_largest_allocation();
  const ConfigResult r = load_config_file(path);
  EXPECT_TRUE(r.ok());
  EXPECT_LT(test::largest_allocation(), 64 * KiB);
  std::remove(path.c_str());
}

TEST(RelayConfig, AFileOverTheLimitIsRefused) {
  const std::string path = testing::TempDir() + "relay_huge.toml";
  {
    std::ofstream out(path);
    const std::string comment = "# " + std::string(1022, 'x') + "\n";
    for (std::size_t written = 0; written <= 16 * MiB; written += comment.size()) out << comment;
  }
  const ConfigResult r = load_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.to_string(), path + ": is larger than 16MiB");
  std::remove(path.c_str());
}

TEST(RelayConfig, AnErrorQuotingControlCharactersStaysOnOneLine) {
  // Found by tests/fuzz/config_fuzzer.cpp: the values were quoted as they were, line breaks and all.
  EXPECT_EQ(message_of("[[source]]\ntype = \"demo\"\ntopic = \"a\\nb\"\n"),
            "source.topic: \"a\\nb\" contains a control character");
  EXPECT_EQ(message_of("[server]\npolicy = \"x\\ty\\u0001\"\n").find_first_of("\t\n\x01"), std::string::npos);
  EXPECT_EQ(message_of("\"a\\rb\" = 1\n").find_first_of("\r\n"), std::string::npos);
}

TEST(RelayConfig, NonAsciiWhereTomlAllowsNoneIsRefusedBeforeTheParserSeesIt) {
  // Found by tests/fuzz/config_fuzzer.cpp: toml++ 3.3 reaches __builtin_unreachable when it asks
  // whether such a character is whitespace.
  const ConfigError bare_key = error_of("[server]\nlist\xc3\xa9n = \"127.0.0.1:1\"\n");
  EXPECT_EQ(bare_key.line, 2u);
  EXPECT_EQ(bare_key.column, 5u);
  EXPECT_EQ(bare_key.message, "invalid TOML: a non-ASCII character outside a string or comment (U+00E9)");
  EXPECT_EQ(message_of("threads = 1\xe3\x80\x81\n"),
            "invalid TOML: a non-ASCII character outside a string or comment (U+3001)");
  EXPECT_EQ(message_of("[[source]]\ntype = \"exec\"\ntopic = \"a\"\ncommand = [\"\"\"\\\xce\xad\"\"\"]\n"),
            "invalid TOML: a non-ASCII character after a backslash (U+03AD)");
  EXPECT_EQ(
      message_of("[[source]]\ntype = \"exec\"\ntopic = \"a\"\ncommand = [\"\"\"a\\\n  \xce\xad\"\"\"]\n"),
      "invalid TOML: a non-ASCII character first after a line-ending backslash: write it on the "
      "backslash's line, or as \\uXXXX (U+03AD)");
  // A quote inside a bare value starts no string (toml++ reads the value on).
  EXPECT_EQ(message_of("[server]\nlisten = 2\"x\xc8\x9d\"\n"),
            "invalid TOML: a non-ASCII character outside a string or comment (U+021D)");
  // Nor does a quote after a dot in a value (a number), where in a dotted key it would.
  EXPECT_EQ(message_of("r= 88.\"a/*\xef\xbb\xb7\"\n"),
            "invalid TOML: a non-ASCII character outside a string or comment (U+FEF7)");
  EXPECT_EQ(message_of("[server]\nlisten = [1.\"\xc3\xa9\"]\n"),
            "invalid TOML: a non-ASCII character outside a string or comment (U+00E9)");
  // Nothing inside a bad bare value starts a string or an array.
  EXPECT_EQ(message_of("[server]\nlisten = 127.0.0.0/8\"a\"tc[\"1\xcc\x8f\"]\n"),
            "invalid TOML: a non-ASCII character outside a string or comment (U+030F)");
  // A quoted part of a dotted key is a string: the key is unknown, but read.
  EXPECT_FALSE(contains(message_of("server.\"li\xc3\xa9\" = 1\n"), "non-ASCII"));
  EXPECT_FALSE(contains(message_of("[server . \"li\xc3\xa9\"]\n"), "non-ASCII"));
  // The check reads nothing past the text: a backslash last, in a string left open.
  EXPECT_FALSE(message_of("a = \"\\").empty());
}

TEST(RelayConfig, NonAsciiInStringsKeysAndCommentsIsRead) {
  const RelayConfig c = config_of(
      "# caf\xc3\xa9\n[[source]]\ntype = \"exec\"\ntopic = \"a\"\n"
      "command = [\"caf\xc3\xa9\", 'th\xc3\xa9', \"\"\"x\\\"\xc3\xa9\\\n  y\xc3\xa9\"\"\"\"\", "
      "'''\xc3\xa9''']  # \xc3\xa9\n"
      "env = { \"cl\xc3\xa9\" = \"v\" }\n");
  const auto& exec = std::get<ExecSource>(c.sources.at(0).settings);
  EXPECT_EQ(exec.command,
            (std::vector<std::string>{"caf\xc3\xa9", "th\xc3\xa9", "x\"\xc3\xa9y\xc3\xa9\"\"", "\xc3\xa9"}));
}

TEST(RelayConfig, DescribeListsEveryTableAndDefault) {
  const std::string d = describe_config();
  EXPECT_TRUE(contains(d, "[server]\n  listen = \"127.0.0.1:8080\""));
  EXPECT_TRUE(contains(d, "[[topic]]"));
  EXPECT_TRUE(contains(d, "[[source]] type = \"serial\""));
  EXPECT_TRUE(contains(d, "baud = 115200"));
}

}  // namespace
}  // namespace sluice::relay
