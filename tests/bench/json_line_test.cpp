// JsonLine: one flat object, keys in order, strings escaped, non-finite numbers as null.
#include "json_line.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace sluice::bench {
namespace {

TEST(JsonLine, KeepsKeysInOrder) {
  JsonLine j;
  j.add("scenario", "echo").add("n", 3).add("rate", 1.5).add("big", std::uint64_t{18446744073709551615u});
  EXPECT_EQ(j.str(), R"({"scenario":"echo","n":3,"rate":1.500,"big":18446744073709551615})");
}

TEST(JsonLine, EscapesStrings) {
  JsonLine j;
  j.add("s", std::string_view("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(j.str(), R"({"s":"a\"b\\c\nd\u0001"})");
}

TEST(JsonLine, NonFiniteBecomesNull) {
  JsonLine j;
  j.add("x", std::nan("")).add("y", HUGE_VAL);
  EXPECT_EQ(j.str(), R"({"x":null,"y":null})");
}

}  // namespace
}  // namespace sluice::bench
