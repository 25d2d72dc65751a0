// The note the relay hands the engine for each connection comes back intact, and anything else
// is not taken for one.
#include "relay/connection_note.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

TEST(ConnectionNote, RoundTripsTheOpeningTimeAndTheTarget) {
  const ConnectionNote note{1733339000123, "/topics?topic=a b&topic=c/*"};
  const std::optional<ConnectionNote> back = decode_note(encode_note(note));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->opened_ms, note.opened_ms);
  EXPECT_EQ(back->target, note.target);
}

TEST(ConnectionNote, RefusesWhatIsNotANote) {
  EXPECT_FALSE(decode_note(""));
  EXPECT_FALSE(decode_note("/topics/a"));
  EXPECT_FALSE(decode_note("12x /topics/a"));
}

}  // namespace
}  // namespace sluice::relay
