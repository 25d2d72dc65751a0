// ReconnectBackoff: full jitter under a ceiling that doubles up to max, and starts again after
// reset().
#include <gtest/gtest.h>

#include <set>

#include "broker/backoff.hpp"

namespace sluice::relay {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoff, DrawsUnderADoublingCeiling) {
  ReconnectBackoff b(milliseconds(100), milliseconds(1000), 7);
  const milliseconds ceilings[] = {milliseconds(100), milliseconds(200),  milliseconds(400),
                                   milliseconds(800), milliseconds(1000), milliseconds(1000)};
  for (milliseconds c : ceilings) {
    EXPECT_EQ(b.ceiling(), c);
    const milliseconds d = b.next();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, c);
  }
  b.reset();
  EXPECT_EQ(b.ceiling(), milliseconds(100));
}

TEST(ReconnectBackoff, IsJittered) {
  ReconnectBackoff b(milliseconds(1000), milliseconds(1000), 11);
  std::set<long> seen;
  for (int i = 0; i < 50; ++i) seen.insert(static_cast<long>(b.next().count()));
  EXPECT_GT(seen.size(), 30u);
}

}  // namespace
}  // namespace sluice::relay
