// Close frames from the client (RFC 6455 §5.5.1, §7.4): invalid ones fail the connection with
// 1002 or 1007; valid ones are echoed with the same code, then the server ends TCP, and
// on_close reports the peer's code and reason.
#include <gtest/gtest.h>

#include <string>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

class InvalidCloseCode : public ::testing::TestWithParam<int> {};

TEST_P(InvalidCloseCode, FailsWith1002) {
  auto code = static_cast<std::uint16_t>(GetParam());
  expect_connection_failed(test_options(), frame(op::close, close_body(code, "bye")), 1002);
}

INSTANTIATE_TEST_SUITE_P(Rfc6455, InvalidCloseCode,
                         ::testing::Values(0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
                                           65535));

TEST(CloseFrames, OneBytePayloadFailsWith1002) {
  expect_connection_failed(test_options(), frame(op::close, "\x03"), 1002);
}

TEST(CloseFrames, InvalidUtf8ReasonFailsWith1007) {
  expect_connection_failed(test_options(), frame(op::close, close_body(1000, "bad \xff reason")), 1007);
}

TEST(CloseFrames, TruncatedUtf8ReasonFailsWith1007) {
  expect_connection_failed(test_options(), frame(op::close, close_body(1000, "\xe2\x82")), 1007);
}

class ValidCloseCode : public ::testing::TestWithParam<int> {};

TEST_P(ValidCloseCode, IsEchoedThenTheServerEndsTcp) {
  auto code = static_cast<std::uint16_t>(GetParam());
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient good(srv.port());
  ASSERT_TRUE(good.handshake());
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  std::string reason = "done \xce\xba";
  ASSERT_TRUE(c.send_frame(op::close, close_body(code, reason)));
  expect_close_then_eof(c, code);
  expect_echo(good, "unaffected");
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{code});
  EXPECT_EQ(tally.reasons(), std::vector<std::string>{reason});
  EXPECT_EQ(tally.opens.load(), 2);
  EXPECT_EQ(tally.messages.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Rfc6455, ValidCloseCode,
                         ::testing::Values(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999,
                                           4000, 4999));

TEST(CloseFrames, EmptyCloseIsEchoedEmptyAndReportedAs1005) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_frame(op::close, ""));
  auto f = c.read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::close);
  EXPECT_EQ(f->payload, "") << "an empty close is answered with an empty close";
  EXPECT_EQ(c.wait_eof(), ReadStatus::ok);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1005});
}

TEST(CloseFrames, DataAfterTheCloseFrameIsIgnored) {
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_raw(frame(op::close, close_body(1000)) + frame(op::text, "too late")));
  expect_close_then_eof(c, 1000);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.messages.load(), 0);
}

TEST(CloseFrames, CloseAfterAFragmentIsHonoured) {
  // A control frame may arrive between fragments (§5.4); close ends the connection there.
  Tally tally;
  ServerThread srv(test_options(), echo_behaviors(tally));
  RawClient c(srv.port());
  ASSERT_TRUE(c.handshake());
  ASSERT_TRUE(c.send_raw(frame(op::text, "part", false) + frame(op::close, close_body(1000))));
  expect_close_then_eof(c, 1000);
  ASSERT_TRUE(wait_until([&] { return tally.closes.load() == 1; }));
  EXPECT_EQ(tally.messages.load(), 0);
  EXPECT_EQ(tally.codes(), std::vector<std::uint16_t>{1000});
}

}  // namespace
}  // namespace sluice_test
