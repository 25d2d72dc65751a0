// The default memory limit: half the machine's memory, or of the cgroup's limit when that is
// less, from /proc and /sys text as the kernel writes it.
#include "operations/memory_limit.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

TEST(MemoryLimit, ReadsMemTotalInBytes) {
  EXPECT_EQ(parse_mem_total("MemTotal:       24684096 kB\nMemFree:        20350000 kB\n"),
            24684096ull * 1024);
  EXPECT_EQ(parse_mem_total("MemFree: 1 kB\n"), std::nullopt);
  EXPECT_EQ(parse_mem_total("MemTotal: lots kB\n"), std::nullopt);
}

TEST(MemoryLimit, FindsTheCgroupOfTheMemoryController) {
  auto v2 = parse_cgroup_place("0::/system.slice/sluice.service\n");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, CgroupPlace::Version::v2);
  EXPECT_EQ(v2->path, "/system.slice/sluice.service");
  auto v1 = parse_cgroup_place("12:pids:/x\n4:memory:/docker/abc\n0::/\n");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->version, CgroupPlace::Version::v1);
  EXPECT_EQ(v1->path, "/docker/abc");
  auto joined = parse_cgroup_place("7:cpu,memory:/batch\n");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->path, "/batch");
  EXPECT_FALSE(parse_cgroup_place("garbage\n"));
}

TEST(MemoryLimit, ReadsALimitAndTellsNoLimitApart) {
  EXPECT_EQ(parse_cgroup_limit("536870912\n"), 536870912u);
  EXPECT_EQ(parse_cgroup_limit("max\n"), std::nullopt);
  EXPECT_EQ(parse_cgroup_limit("9223372036854771712\n"), std::nullopt);  // v1's "unlimited"
  EXPECT_EQ(parse_cgroup_limit("12x"), std::nullopt);
}

TEST(MemoryLimit, TheDefaultIsHalfOfTheLesser) {
  EXPECT_EQ(default_memory_limit({8ull << 30, std::nullopt}), 4ull << 30);
  EXPECT_EQ(default_memory_limit({8ull << 30, 512ull << 20}), 256ull << 20);
  EXPECT_EQ(default_memory_limit({1ull << 30, 4ull << 30}), 512ull << 20);
  EXPECT_EQ(default_memory_limit({std::nullopt, std::nullopt}), 1ull << 30);
  EXPECT_EQ(describe_default_memory_limit({8ull << 30, 512ull << 20}),
            "half of the cgroup's limit of 512MiB");
  EXPECT_EQ(describe_default_memory_limit({8ull << 30, std::nullopt}), "half of the machine's 8.0GiB");
}

TEST(MemoryLimit, ThisMachineHasSomeMemory) {
  const MemorySizes sizes = read_memory_sizes();
  ASSERT_TRUE(sizes.machine);
  EXPECT_GT(*sizes.machine, 64ull << 20);
  EXPECT_LE(default_memory_limit(sizes), *sizes.machine / 2);
}

}  // namespace
}  // namespace sluice::relay
