// diff_sources: a reload's effect on the running sources, matched by name: removed, added,
// replaced when any setting differs, kept untouched when equal.
#include <gtest/gtest.h>

#include "config_test_helpers.hpp"
#include "sources/source_diff.hpp"

namespace sluice::relay {
namespace {

using test::config_of;

std::vector<SourceConfig> sources_of(std::string_view toml) { return config_of(toml).sources; }

constexpr std::string_view base = R"(
[[source]]
name = "radio"
type = "udp"
topic = "radio"
listen = "127.0.0.1:5000"

[[source]]
name = "script"
type = "exec"
topic = "script"
command = ["python3", "sensor.py"]

[[source]]
name = "demo"
type = "demo"
topic = "demo"
)";

TEST(SourceDiff, SameFileChangesNothing) {
  const SourceDiff d = diff_sources(sources_of(base), sources_of(base));
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.kept, (std::vector<std::string>{"radio", "script", "demo"}));
}

TEST(SourceDiff, RemovedAddedReplacedAndKept) {
  const std::string next = R"(
[[source]]
name = "demo"
type = "demo"
topic = "demo"
rate = 50

[[source]]
name = "radio"
type = "udp"
topic = "radio"
listen = "127.0.0.1:5000"

[[source]]
name = "uart"
type = "serial"
topic = "uart"
device = "/dev/ttyUSB0"
)";
  const SourceDiff d = diff_sources(sources_of(base), sources_of(next));
  EXPECT_EQ(d.removed, (std::vector<std::string>{"script"}));
  EXPECT_EQ(d.replaced, (std::vector<std::size_t>{0}));  // demo: its rate changed
  EXPECT_EQ(d.added, (std::vector<std::size_t>{2}));     // uart
  EXPECT_EQ(d.kept, (std::vector<std::string>{"radio"}));
}

TEST(SourceDiff, AnySettingCountsAsAChange) {
  const auto old = sources_of(base);
  for (std::string_view change :
       {"topic = \"radio2\"", "max_frame = \"1KiB\"", "recv_buffer = \"1MiB\"", "sink_topic = \"back\""}) {
    const std::string next = R"(
[[source]]
name = "radio"
type = "udp"
listen = "127.0.0.1:5000"
)" + std::string(change.starts_with("topic") ? "" : "topic = \"radio\"\n") +
                             std::string(change) + "\n";
    const SourceDiff d = diff_sources(old, sources_of(next));
    EXPECT_EQ(d.replaced, (std::vector<std::size_t>{0})) << change;
    EXPECT_EQ(d.removed, (std::vector<std::string>{"script", "demo"})) << change;
  }
}

TEST(SourceDiff, ARenameIsARemovalAndAnAddition) {
  const std::string next = R"(
[[source]]
name = "radio-b"
type = "udp"
topic = "radio"
listen = "127.0.0.1:5000"
)";
  const SourceDiff d = diff_sources(sources_of(base), sources_of(next));
  EXPECT_EQ(d.removed, (std::vector<std::string>{"radio", "script", "demo"}));
  EXPECT_EQ(d.added, (std::vector<std::size_t>{0}));
  EXPECT_TRUE(d.replaced.empty());
  EXPECT_TRUE(d.kept.empty());
}

TEST(SourceDiff, FromAndToNothing) {
  EXPECT_EQ(diff_sources({}, sources_of(base)).added, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(diff_sources(sources_of(base), {}).removed,
            (std::vector<std::string>{"radio", "script", "demo"}));
  EXPECT_TRUE(diff_sources({}, {}).empty());
}

}  // namespace
}  // namespace sluice::relay
