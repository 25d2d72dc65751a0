// Logging: each call site may write kLogBurst lines a second, and reports what it held back with
// its next line; a line is queued, never written by the caller, so a stuck sink costs it nothing.
#include "log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace sluice::detail {
namespace {

TEST(Log, ACallSiteIsHeldToItsBurstAndItsNextLineCountsWhatWasSuppressed) {
  const LogSite site{__FILE__, __LINE__};
  std::uint64_t suppressed = 99;
  int admitted = 0;
  for (int i = 0; i < 3 * kLogBurst; ++i) {
    if (log_admit(site, suppressed)) ++admitted;
  }
  EXPECT_EQ(admitted, kLogBurst);
  EXPECT_EQ(suppressed, 0u);  // the first lines of the window held nothing back
  // Once a second has passed the site may write again, and says how many it suppressed.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(log_admit(site, suppressed));
  EXPECT_EQ(suppressed, static_cast<std::uint64_t>(2 * kLogBurst));
}

TEST(Log, EverySiteHasItsOwnLimit) {
  const LogSite a{__FILE__, __LINE__};
  const LogSite b{__FILE__, __LINE__};
  std::uint64_t suppressed = 0;
  for (int i = 0; i < kLogBurst; ++i) ASSERT_TRUE(log_admit(a, suppressed));
  EXPECT_FALSE(log_admit(a, suppressed));
  EXPECT_TRUE(log_admit(b, suppressed));
}

TEST(Log, LinesAreWrittenByTheSinkThread) {
  LogLevel before = log_level();
  set_log_level(LogLevel::info);
  log(LogLevel::info, "a line from the log test: {}", 42);
  set_log_level(before);
  EXPECT_TRUE(flush_log(5000));
  EXPECT_EQ(log_lines_dropped(), 0u);
}

}  // namespace
}  // namespace sluice::detail
