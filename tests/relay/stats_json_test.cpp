// StatsSnapshot's JSON: the exact text of a full snapshot (the same text as
// dashboard/stats_example.json, which the dashboard's fake relay builds its snapshots from),
// and of an empty one.
#include "metrics/stats_json.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view full_json =
    R"({"time":1733339000123,"uptime_seconds":42.5,)"
    R"("connections":{"handshaking":1,"open":40,"closing":0,"opened_total":57,"closed_total":16},)"
    R"("messages":{"received_total":9100,"published_total":9000,"delivered_total":360000},)"
    R"("bytes":{"received_total":2275000,"sent_total":90000000},)"
    R"("dropped":{"close":0,"drop_newest":12,"drop_oldest":0,"latest":0,"backpressure":0},)"
    R"("buffered":{"user_bytes":65536,"kernel_bytes":131072,"high_water_bytes":262144},)"
    R"("memory":{"limit_bytes":1073741824,"used_bytes":1048576,"rss_bytes":9437184,"budget_bytes":536870912},)"
    R"("topic_count":2,)"
    R"("topics":[{"name":"sensors/radio","subscribers":40,"messages_per_second":200,"last_seq":9000,"dropped":12},)"
    R"({"name":"logs/\"app\"","subscribers":0,"messages_per_second":0.5,"last_seq":3,"dropped":0}],)"
    R"("sources":[{"name":"radio","type":"serial","state":"running","messages_per_second":200,)"
    R"("bytes":2250000,"errors":0,"restarts":1,"last_error":null},)"
    R"({"name":"logger","type":"exec","state":"backoff","messages_per_second":0,)"
    R"("bytes":12,"errors":2,"restarts":2,"last_error":"exited with status 1"}],)"
    R"("slowest":[{"peer":"127.0.0.1:51234","path":"/topics/sensors/radio","topics":["sensors/radio"],)"
    R"("age_seconds":12.5,"queued_bytes":65536,"kernel_queued_bytes":131072,"dropped":12}],)"
    R"("resources":{"memory":"warning","connections":"ok","file_descriptors":"ok"},)"
    R"("ready":false,"not_ready_reason":"shutting down"})";

StatsSnapshot full_snapshot() {
  StatsSnapshot s;
  s.time = PublishTime{milliseconds{1733339000123}};
  s.uptime_seconds = 42.5;
  s.connections = {1, 40, 0};
  s.connections_opened = 57;
  s.connections_closed = 16;
  s.messages_received = 9100;
  s.messages_published = 9000;
  s.messages_delivered = 360000;
  s.bytes_received = 2275000;
  s.bytes_sent = 90000000;
  s.dropped[static_cast<std::size_t>(SlowConsumerPolicy::drop_newest)] = 12;
  s.buffered_bytes = 65536;
  s.kernel_unsent_bytes = 131072;
  s.buffered_high_water = 262144;
  s.memory_limit_bytes = 1073741824;
  s.memory_used_bytes = 1048576;
  s.memory_budget_bytes = 536870912;
  s.rss_bytes = 9437184;
  s.topic_count = 2;
  s.topics = {{"sensors/radio", 40, 200, 9000, 12}, {"logs/\"app\"", 0, 0.5, 3, 0}};
  SourceRow radio;
  radio.name = "radio";
  radio.type = SourceType::serial;
  radio.state = SourceState::running;
  radio.messages_per_second = 200;
  radio.bytes = 2250000;
  radio.restarts = 1;
  SourceRow logger;
  logger.name = "logger";
  logger.type = SourceType::exec;
  logger.state = SourceState::backoff;
  logger.bytes = 12;
  logger.errors = 2;
  logger.restarts = 2;
  logger.last_error = "exited with status 1";
  s.sources = {radio, logger};
  s.slowest = {{"127.0.0.1:51234", "/topics/sensors/radio", {"sensors/radio"}, 12.5, 65536, 131072, 12}};
  s.resources[static_cast<std::size_t>(Resource::memory)] = Pressure::warning;
  s.ready = false;
  s.not_ready_reason = "shutting down";
  return s;
}

TEST(StatsJson, WritesAFullSnapshotExactly) { EXPECT_EQ(stats_json(full_snapshot()), full_json); }

TEST(StatsJson, WritesAnEmptySnapshotWithEveryKey) {
  EXPECT_EQ(stats_json(StatsSnapshot{}),
            R"({"time":0,"uptime_seconds":0,)"
            R"("connections":{"handshaking":0,"open":0,"closing":0,"opened_total":0,"closed_total":0},)"
            R"("messages":{"received_total":0,"published_total":0,"delivered_total":0},)"
            R"("bytes":{"received_total":0,"sent_total":0},)"
            R"("dropped":{"close":0,"drop_newest":0,"drop_oldest":0,"latest":0,"backpressure":0},)"
            R"("buffered":{"user_bytes":0,"kernel_bytes":0,"high_water_bytes":0},)"
            R"("memory":{"limit_bytes":0,"used_bytes":0,"rss_bytes":0,"budget_bytes":0},)"
            R"("topic_count":0,"topics":[],"sources":[],"slowest":[],)"
            R"("resources":{"memory":"ok","connections":"ok","file_descriptors":"ok"},)"
            R"("ready":true,"not_ready_reason":null})");
}

TEST(StatsJson, RefusalsFollowMemoryWhenCounted) {
  StatsSnapshot s;
  s.refused = {{"bad_request", 2}, {"over_limit", 3}};
  const std::string json = stats_json(s);
  EXPECT_NE(json.find(R"("budget_bytes":0},"refused":{"bad_request":2,"over_limit":3},"topic_count":0)"),
            std::string::npos)
      << json;
}

TEST(StatsJson, AppendsToWhatIsThere) {
  std::string out = "x";
  append_stats_json(out, StatsSnapshot{});
  EXPECT_EQ(out.substr(0, 9), "x{\"time\":");
}

// The fake relay the dashboard test runs against sends snapshots shaped like this file, so the
// page is tested against the shape the relay writes.
TEST(StatsJson, ExampleFileIsWhatTheWriterWrites) {
  std::ifstream file(SLUICE_STATS_EXAMPLE);
  ASSERT_TRUE(file) << SLUICE_STATS_EXAMPLE;
  std::string text(std::istreambuf_iterator<char>(file), {});
  while (!text.empty() && text.back() == '\n') text.pop_back();
  EXPECT_EQ(text, full_json);
}

}  // namespace
}  // namespace sluice::relay
