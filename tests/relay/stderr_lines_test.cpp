// StderrLines: a child's stderr cut into log lines at every split point of its input, long
// lines in pieces, CR stripped, empty lines skipped, the unfinished last line at the end.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framing_harness.hpp"
#include "sources/stderr_lines.hpp"

namespace sluice::relay {
namespace {

using test::bytes_of;

std::vector<std::string> cut(std::size_t max_line, const std::vector<std::string_view>& reads) {
  std::vector<std::string> lines;
  StderrLines s(max_line, [&](std::string_view line) { lines.emplace_back(line); });
  for (std::string_view r : reads) s.feed(bytes_of(r));
  s.finish();
  return lines;
}

TEST(StderrLines, SameLinesAtEverySplitPoint) {
  const std::string input = "warming up\r\n\nsensor 3 offline\nlast words";
  const std::vector<std::string> expected = {"warming up", "sensor 3 offline", "last words"};
  EXPECT_EQ(cut(64, {input}), expected);
  for (std::size_t at = 0; at <= input.size(); ++at) {
    const std::string_view in(input);
    EXPECT_EQ(cut(64, {in.substr(0, at), in.substr(at)}), expected) << "split at " << at;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
  EXPECT_EQ(cut(64, bytes), expected);
}

TEST(StderrLines, ALongLineIsLoggedInPiecesOfMaxLine) {
  EXPECT_EQ(cut(4, {"abcdefghij\nxy\n"}), (std::vector<std::string>{"abcd", "efgh", "ij", "xy"}));
  EXPECT_EQ(cut(4, {"abcd\n"}), (std::vector<std::string>{"abcd"}));
  EXPECT_EQ(cut(4, {"ab", "cd", "ef"}), (std::vector<std::string>{"abcd", "ef"}));
}

TEST(StderrLines, NothingButNewlinesLogsNothing) { EXPECT_TRUE(cut(16, {"\n\r\n\n"}).empty()); }

}  // namespace
}  // namespace sluice::relay
