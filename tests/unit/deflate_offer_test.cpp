// permessage-deflate negotiation (RFC 7692 §7.1): what a server takes from offers and answers,
// and what a client accepts of an answer.
#include "ws/deflate_offer.hpp"

#include <gtest/gtest.h>

namespace sluice::detail {
namespace {

using C = Compression;

TEST(DeflateOffer, OffIgnoresEveryOffer) { EXPECT_FALSE(accept_deflate_offer("permessage-deflate", C::off)); }

TEST(DeflateOffer, DedicatedKeepsContextUnlessTheClientAsksOtherwise) {
  auto p = accept_deflate_offer("permessage-deflate; client_max_window_bits", C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, DeflateParams{});
  EXPECT_EQ(deflate_response(*p), "permessage-deflate");
  p = accept_deflate_offer("permessage-deflate; server_no_context_takeover", C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_FALSE(p->client_no_context_takeover);
}

TEST(DeflateOffer, SharedAsksBothEndsToStartEachMessageAfresh) {
  auto p = accept_deflate_offer("permessage-deflate", C::shared);
  ASSERT_TRUE(p);
  EXPECT_EQ(deflate_response(*p),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
}

TEST(DeflateOffer, WindowSizesAreAgreedAsOffered) {
  auto p = accept_deflate_offer("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9",
                                C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 10);
  EXPECT_EQ(p->client_max_window_bits, 9);
  EXPECT_EQ(deflate_response(*p), "permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
  p = accept_deflate_offer("permessage-deflate; server_max_window_bits=\"12\"", C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 12);
}

TEST(DeflateOffer, AnEightBitWindowIsAgreedAndKeptByNotCompressing) {
  auto p = accept_deflate_offer("permessage-deflate; server_max_window_bits=8", C::shared);
  ASSERT_TRUE(p);
  EXPECT_EQ(DeflateSide::server(*p).send_window_bits, 8);
}

TEST(DeflateOffer, BadOffersAreDeclinedAndTheNextIsTaken) {
  for (const char* bad :
       {"permessage-deflate; foo", "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=010", "permessage-deflate; client_max_window_bits=x",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=9; server_max_window_bits=9", "x-webkit-deflate-frame",
        ""})
    EXPECT_FALSE(accept_deflate_offer(bad, C::shared)) << bad;
  auto p = accept_deflate_offer("permessage-deflate; foo, permessage-deflate; server_max_window_bits=11",
                                C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 11);
}

TEST(DeflateOffer, NamesAndParametersAreCaseInsensitive) {
  auto p = accept_deflate_offer("PerMessage-Deflate ; Client_No_Context_Takeover", C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->client_no_context_takeover);
}

TEST(DeflateOffer, TheClientOffersAndReadsTheAnswer) {
  EXPECT_EQ(deflate_offer(C::off), "");
  EXPECT_EQ(deflate_offer(C::dedicated), "permessage-deflate; client_max_window_bits");
  EXPECT_EQ(deflate_offer(C::shared),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits");
  auto p = read_deflate_response("permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
                                 C::dedicated);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_EQ(DeflateSide::client(*p).send_window_bits, 10);
  EXPECT_FALSE(read_deflate_response("permessage-deflate; client_max_window_bits", C::dedicated));
  EXPECT_FALSE(read_deflate_response("permessage-deflate; mystery", C::dedicated));
  EXPECT_FALSE(read_deflate_response("permessage-deflate, permessage-deflate", C::dedicated));
  EXPECT_FALSE(read_deflate_response("permessage-deflate", C::off));
}

}  // namespace
}  // namespace sluice::detail
