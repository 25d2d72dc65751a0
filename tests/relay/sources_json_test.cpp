// The /sources JSON: every field of a status, null for no error and no sink, valid UTF-8 for
// any error text, and the stats row made from the same snapshot.
#include <gtest/gtest.h>

#include <array>

#include "sources/sources_json.hpp"

namespace sluice::relay {
namespace {

SourceStatusSnapshot radio() {
  SourceStatusSnapshot s;
  s.name = "radio";
  s.type = SourceType::serial;
  s.topic = "sensors/radio";
  s.sink_topic = "commands/radio";
  s.state = SourceState::backoff;
  s.last_error = "read /dev/ttyUSB0: Input/output error; reopening in 250 ms";
  s.messages = 9000;
  s.messages_per_second = 200;
  s.bytes = 2295000;
  s.frames_dropped = {1, 2, 3};
  s.publish_refused = 4;
  s.kernel_drops = 5;
  s.errors = 6;
  s.restarts = 7;
  s.pauses = 8;
  s.sink_messages = 3;
  s.sink_bytes = 96;
  s.sink_queued_bytes = 10;
  s.sink_dropped = {11, 12, 13};
  return s;
}

TEST(SourcesJson, EveryField) {
  std::string out;
  append_sources_json(out, {radio()});
  EXPECT_EQ(out,
            R"({"sources":[{"name":"radio","type":"serial","topic":"sensors/radio","state":"backoff",)"
            R"("last_error":"read /dev/ttyUSB0: Input/output error; reopening in 250 ms","messages":9000,)"
            R"("messages_per_second":200,"bytes":2295000,)"
            R"("frames_dropped":{"oversized":1,"malformed":2,"truncated":3},"publish_refused":4,)"
            R"("kernel_drops":5,"errors":6,"restarts":7,"pauses":8,"connections":0,"connections_refused":0,)"
            R"("sink":{"topic":"commands/radio","messages":3,"bytes":96,"queued_bytes":10,)"
            R"("dropped":{"full":11,"unencodable":12,"cut_off":13}}}]})");
}

TEST(SourcesJson, NoErrorAndNoSinkAreNull) {
  SourceStatusSnapshot s;
  s.name = "demo";
  s.topic = "demo";
  s.state = SourceState::running;
  std::string out;
  append_sources_json(out, {s});
  EXPECT_NE(out.find(R"("last_error":null)"), std::string::npos);
  EXPECT_NE(out.find(R"("sink":null)"), std::string::npos);
  out.clear();
  append_sources_json(out, {});
  EXPECT_EQ(out, R"({"sources":[]})");
}

TEST(SourcesJson, StatsRowCarriesTheSameFigures) {
  const SourceRow row = source_row(radio());
  EXPECT_EQ(row.name, "radio");
  EXPECT_EQ(row.type, SourceType::serial);
  EXPECT_EQ(row.state, SourceState::backoff);
  EXPECT_EQ(row.messages_per_second, 200.0);
  EXPECT_EQ(row.bytes, 2295000u);
  EXPECT_EQ(row.errors, 6u);
  EXPECT_EQ(row.restarts, 7u);
  EXPECT_EQ(row.last_error, radio().last_error);
  // What /metrics reports of it.
  EXPECT_EQ(row.messages, 9000u);
  EXPECT_EQ(row.frames_dropped, (std::array<std::uint64_t, 3>{1, 2, 3}));
  EXPECT_EQ(row.kernel_drops, 5u);
}

TEST(SourceStatus, SnapshotCountsAndSamplesTheRate) {
  SourceConfig c;
  c.name = "u";
  c.topic = "t";
  SourceStatus status(c);
  for (int i = 0; i < 5; ++i) status.add_message();
  status.add_frame_drop(DropReason::malformed);
  status.add_sink_drop(SinkDrop::full);
  status.error("boom");
  status.set_state(SourceState::failed);
  status.sample_rate();
  status.add_message();
  const SourceStatusSnapshot s = status.snapshot();
  EXPECT_EQ(s.messages, 6u);
  EXPECT_EQ(s.messages_per_second, 5u);
  EXPECT_EQ(s.frames_dropped_total(), 1u);
  EXPECT_EQ(s.frames_dropped[static_cast<std::size_t>(DropReason::malformed)], 1u);
  EXPECT_EQ(s.sink_dropped[static_cast<std::size_t>(SinkDrop::full)], 1u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.last_error, "boom");
  EXPECT_EQ(s.state, SourceState::failed);
}

}  // namespace
}  // namespace sluice::relay
