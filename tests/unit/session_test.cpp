// Session: the connection's state machine, its legal transitions and the on_close notice.
#include "conn/session.hpp"

#include <gtest/gtest.h>

namespace sluice::detail {
namespace {

using S = ConnState;

TEST(Session, TheClosingHandshakeGoesOpenClosingDrainingHalfClosedClosed) {
  Session s;
  EXPECT_TRUE(s.is(S::handshaking));
  EXPECT_FALSE(s.upgraded());
  s.opened();
  EXPECT_TRUE(s.is_open());
  EXPECT_TRUE(s.upgraded());
  for (S next : {S::closing, S::draining, S::half_closed, S::closed}) {
    ASSERT_TRUE(Session::allowed(s.state(), next));
    s.to(next);
  }
  EXPECT_TRUE(s.is(S::closed));
}

TEST(Session, OnCloseIsOwedOnceTheConnectionOpenedAndGivenOnce) {
  Session s;
  EXPECT_EQ(s.take_close_notice(), Session::Owed::nothing);  // never opened: nothing owed
  s.opened();
  EXPECT_EQ(s.take_close_notice(), Session::Owed::websocket);
  EXPECT_EQ(s.take_close_notice(), Session::Owed::nothing);
  EXPECT_TRUE(s.upgraded());
}

TEST(Session, AStreamOwesItsOwnOnCloseAndSendsLikeAnOpenConnection) {
  Session s;
  EXPECT_FALSE(s.sends());
  s.began_streaming();
  EXPECT_TRUE(s.sends());
  EXPECT_FALSE(s.is_open());  // not a WebSocket: no frames, no pings
  EXPECT_FALSE(Session::allowed(S::streaming, S::closing));
  s.to(S::draining);
  EXPECT_FALSE(s.sends());
  EXPECT_EQ(s.take_close_notice(), Session::Owed::stream);
}

TEST(Session, AnAnswerGivenLaterOwesAStreamsOnCloseThenReadsRequestsAgain) {
  Session s;
  s.began_awaiting();
  EXPECT_FALSE(s.sends());  // nothing is written until the answer
  EXPECT_TRUE(s.upgraded());
  EXPECT_FALSE(Session::allowed(S::awaiting, S::open));
  EXPECT_FALSE(Session::allowed(S::awaiting, S::streaming));
  EXPECT_TRUE(Session::allowed(S::awaiting, S::draining));  // answered on a closing connection
  EXPECT_EQ(s.take_close_notice(), Session::Owed::stream);
  s.answered();
  EXPECT_TRUE(s.is(S::handshaking));
  EXPECT_FALSE(s.upgraded());  // a kept-alive HTTP connection again, owing nothing
  EXPECT_EQ(s.take_close_notice(), Session::Owed::nothing);
}

TEST(Session, NoWayBackAndNoSkippingTheHandshake) {
  EXPECT_FALSE(Session::allowed(S::handshaking, S::closing));
  EXPECT_FALSE(Session::allowed(S::closing, S::open));
  EXPECT_FALSE(Session::allowed(S::draining, S::open));
  EXPECT_FALSE(Session::allowed(S::closed, S::closed));
  EXPECT_FALSE(Session::allowed(S::connecting, S::open));
  EXPECT_TRUE(Session::allowed(S::connecting, S::handshaking));
  EXPECT_TRUE(Session::allowed(S::handshaking, S::draining));  // refused with an HTTP answer
  for (S from :
       {S::connecting, S::handshaking, S::awaiting, S::open, S::closing, S::draining, S::half_closed})
    EXPECT_TRUE(Session::allowed(from, S::closed));  // a reset can end any state
}

TEST(Session, AClientBeginsByConnecting) {
  Session s;
  s.begin_connecting();
  EXPECT_TRUE(s.is(S::connecting));
  s.to(S::handshaking);
  s.opened();
  EXPECT_TRUE(s.is_open());
}

}  // namespace
}  // namespace sluice::detail
