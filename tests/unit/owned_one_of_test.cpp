// OwnedOneOf: one owning pointer-sized slot for one of several types.
#include "mem/owned_one_of.hpp"

#include <gtest/gtest.h>

namespace sluice::detail::mem {
namespace {

int g_alive = 0;

struct A {
  A() { ++g_alive; }
  ~A() { --g_alive; }
  long value = 1;
};
struct B {
  B() { ++g_alive; }
  ~B() { --g_alive; }
  long value = 2;
};

TEST(OwnedOneOf, HoldsOneObjectOfOneTypeInOneWord) {
  static_assert(sizeof(OwnedOneOf<A, B>) == sizeof(void*));
  OwnedOneOf<A, B> slot;
  EXPECT_FALSE(slot);
  EXPECT_EQ(slot.get<A>(), nullptr);
  slot.emplace<A>();
  ASSERT_NE(slot.get<A>(), nullptr);
  EXPECT_EQ(slot.get<A>()->value, 1);
  EXPECT_EQ(slot.get<B>(), nullptr);
  EXPECT_EQ(g_alive, 1);
  slot.emplace<B>();  // the A goes
  EXPECT_EQ(g_alive, 1);
  EXPECT_TRUE(slot.holds<B>());
  EXPECT_EQ(slot.get<B>()->value, 2);
  slot.reset();
  EXPECT_EQ(g_alive, 0);
  EXPECT_FALSE(slot);
}

TEST(OwnedOneOf, DeletesWhatItHoldsWhenItGoes) {
  {
    OwnedOneOf<A, B> slot;
    slot.adopt(new B);
    EXPECT_EQ(g_alive, 1);
  }
  EXPECT_EQ(g_alive, 0);
}

}  // namespace
}  // namespace sluice::detail::mem
