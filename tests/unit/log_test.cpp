// Logging: each call site may write kLogBurst lines a second, and reports what it held back with
// its next line; a line is queued, never written by the caller, so a stuck sink costs it nothing.
#include "log.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <string>
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

// A signal sent to the process must reach the application's own handling (a server's signalfd),
// never the log's writer thread, where its default action would end the process.
TEST(Log, TheWriterThreadTakesNoSignal) {
  log(LogLevel::error, "a line that starts the writer thread, if nothing has yet");
  ASSERT_TRUE(flush_log(5000));
  sigset_t usr1, before;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, &before), 0);
  ASSERT_EQ(::kill(::getpid(), SIGUSR1), 0);  // with the writer taking it, the process would end here
  const timespec wait{5, 0};
  EXPECT_EQ(sigtimedwait(&usr1, nullptr, &wait), SIGUSR1);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

// The line after its timestamp, which is the only part that changes from run to run.
std::string after_time(const std::string& line, std::string_view before_time = "") {
  const std::size_t at = before_time.size() + std::string_view("2025-01-31T12:00:00.000Z").size();
  EXPECT_EQ(line.substr(0, before_time.size()), before_time);
  EXPECT_EQ(line[before_time.size() + 10], 'T');
  return line.substr(at);
}

class LogFormatTest : public ::testing::Test {
 protected:
  ~LogFormatTest() override { set_log_format(sluice::LogFormat::text); }
};

TEST_F(LogFormatTest, TextLinesCarryFieldsAsKeyValuePairsQuotedWhenNeeded) {
  set_log_format(sluice::LogFormat::text);
  const LogField fields[] = {{"peer", "127.0.0.1:5000"},
                             {"bytes", 1234},
                             {"reason", "slow consumer"},
                             {"duration_s", 12.5},
                             {"empty", ""}};
  EXPECT_EQ(after_time(format_log_line(LogLevel::info, "connection closed", fields, 0)),
            " sluice info: connection closed peer=127.0.0.1:5000 bytes=1234 reason=\"slow consumer\" "
            "duration_s=12.5 empty=\"\"\n");
  EXPECT_EQ(after_time(format_log_line(LogLevel::warn, "flood", {}, 7)),
            " sluice warn: flood (7 more like it were suppressed)\n");
}

TEST_F(LogFormatTest, JsonLinesAreOneObjectWithNumbersUnquotedAndTextEscaped) {
  set_log_format(sluice::LogFormat::json);
  const LogField fields[] = {{"path", "/topics/\"a\"\\b"}, {"code", 1008}, {"age_s", 3.0}};
  EXPECT_EQ(
      after_time(format_log_line(LogLevel::error, "tab\there\nand a newline", fields, 2), "{\"time\":\""),
      "\",\"level\":\"error\",\"msg\":\"tab\\u0009here\\u000aand a newline\","
      "\"path\":\"/topics/\\\"a\\\"\\\\b\",\"code\":1008,\"age_s\":3,\"suppressed\":2}\n");
}

TEST_F(LogFormatTest, JsonKeepsValidUtf8AndReplacesInvalidBytes) {
  set_log_format(sluice::LogFormat::json);
  const std::string line = format_log_line(LogLevel::info, "caf\xC3\xA9 \xFF\xC3", {}, 0);
  EXPECT_NE(line.find("\"msg\":\"caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD\""), std::string::npos) << line;
}

TEST(LogFormat, ParsesTheTwoNames) {
  sluice::LogFormat f = sluice::LogFormat::json;
  EXPECT_TRUE(parse_log_format("text", f));
  EXPECT_EQ(f, sluice::LogFormat::text);
  EXPECT_TRUE(parse_log_format("json", f));
  EXPECT_EQ(f, sluice::LogFormat::json);
  EXPECT_FALSE(parse_log_format("xml", f));
}

}  // namespace
}  // namespace sluice::detail
