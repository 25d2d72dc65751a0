// Frame-level protocol errors (RFC 6455 §5, §8.1): each closes that one connection with the
// exact close code, then EOF; the server keeps serving the connection opened before it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration_helpers.hpp"
#include "support/raw_client.hpp"

namespace sluice_test {
namespace {

constexpr std::size_t kMaxMessage = 1024;

struct BadFrames {
  const char* name;
  std::string bytes;
  std::uint16_t code;
};

std::ostream& operator<<(std::ostream& os, const BadFrames& c) { return os << c.name; }

std::string spec(std::uint8_t opcode, std::string payload, auto&& tweak) {
  FrameSpec s;
  s.opcode = opcode;
  s.payload = std::move(payload);
  tweak(s);
  return encode_frame(s);
}

std::vector<BadFrames> cases() {
  constexpr std::uint16_t kProtocol = 1002, kUtf8 = 1007, kTooBig = 1009;
  std::string half = std::string(kMaxMessage / 2 + 88, 'f');
  return {
      {"Unmasked", spec(op::text, "hello", [](FrameSpec& s) { s.masked = false; }), kProtocol},
      {"UnmaskedPing", spec(op::ping, "p", [](FrameSpec& s) { s.masked = false; }), kProtocol},
      {"Rsv1", spec(op::text, "hello", [](FrameSpec& s) { s.rsv = 4; }), kProtocol},
      {"Rsv2", spec(op::text, "hello", [](FrameSpec& s) { s.rsv = 2; }), kProtocol},
      {"Rsv3", spec(op::binary, "hello", [](FrameSpec& s) { s.rsv = 1; }), kProtocol},
      {"RsvOnPing", spec(op::ping, "", [](FrameSpec& s) { s.rsv = 4; }), kProtocol},
      {"Opcode3", frame(0x3, "x"), kProtocol},
      {"Opcode7", frame(0x7, ""), kProtocol},
      {"OpcodeB", frame(0xB, "x"), kProtocol},
      {"OpcodeF", frame(0xF, ""), kProtocol},
      {"NonMinimal16BitLength", spec(op::text, "hello", [](FrameSpec& s) { s.form = LengthForm::len16; }),
       kProtocol},
      {"NonMinimal64BitLength",
       spec(op::binary, std::string(200, 'b'), [](FrameSpec& s) { s.form = LengthForm::len64; }), kProtocol},
      {"Length64HighBit",
       spec(op::binary, "", [](FrameSpec& s) { s.declared_length = 0x8000000000000001ull; }), kProtocol},
      {"PingWith126BytePayload", frame(op::ping, std::string(126, 'p')), kProtocol},
      {"CloseWith126BytePayload", frame(op::close, close_body(1000, std::string(124, 'r'))), kProtocol},
      {"FragmentedPing", frame(op::ping, "p", /*fin=*/false), kProtocol},
      {"FragmentedPong", frame(op::pong, "p", /*fin=*/false), kProtocol},
      {"ContinuationWithoutStart", frame(op::continuation, "x"), kProtocol},
      {"UnfinishedContinuationWithoutStart", frame(op::continuation, "x", false), kProtocol},
      {"TextWhileFragmented", frame(op::text, "a", false) + frame(op::text, "b"), kProtocol},
      {"BinaryWhileFragmented", frame(op::binary, "a", false) + frame(op::binary, "b"), kProtocol},
      {"MessageOverMaxInOneFrame", frame(op::binary, std::string(kMaxMessage + 1, 'x')), kTooBig},
      {"MessageOverMaxInFragments", frame(op::binary, half, false) + frame(op::continuation, half), kTooBig},
      {"TextOverMaxInThreeFragments",
       frame(op::text, std::string(400, 't'), false) + frame(op::continuation, std::string(400, 't'), false) +
           frame(op::continuation, std::string(400, 't')),
       kTooBig},
      {"InvalidUtf8Byte", frame(op::text, "ab\xff"), kUtf8},
      {"OverlongUtf8", frame(op::text, "\xc0\xaf"), kUtf8},
      {"Utf8Surrogate", frame(op::text, "\xed\xa0\x80"), kUtf8},
      {"Utf8AboveU10FFFF", frame(op::text, "\xf4\x90\x80\x80"), kUtf8},
      {"TruncatedUtf8AtMessageEnd", frame(op::text, "ok\xce"), kUtf8},
      {"InvalidUtf8SplitAcrossFragments", frame(op::text, "\xce", false) + frame(op::continuation, "\x20"),
       kUtf8},
      {"ValidSplitThenInvalid", frame(op::text, "\xce", false) + frame(op::continuation, "\xba\xff"), kUtf8},
      {"TruncatedUtf8AtLastFragment", frame(op::text, "ok", false) + frame(op::continuation, "\xe2\x82"),
       kUtf8},
      // Fail fast (§8.1): no need to wait for the rest of the message.
      {"InvalidUtf8InUnfinishedFirstFragment", frame(op::text, "ok\xff", false), kUtf8},
  };
}

class FrameErrors : public ::testing::TestWithParam<BadFrames> {};

TEST_P(FrameErrors, ClosesThatConnectionWithTheRfcCode) {
  sluice::ServerOptions o = test_options();
  o.max_message_size = kMaxMessage;
  expect_connection_failed(o, GetParam().bytes, GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(Rfc6455, FrameErrors, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<BadFrames>& info) { return info.param.name; });

// The limits' other side: what is allowed right up to them is delivered.
class FrameLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    sluice::ServerOptions o = test_options();
    o.max_message_size = kMaxMessage;
    server = std::make_unique<ServerThread>(o, echo_behaviors(tally));
    client = std::make_unique<RawClient>(server->port());
    ASSERT_TRUE(client->handshake());
  }
  void TearDown() override {
    client.reset();
    server.reset();
  }
  Tally tally;
  std::unique_ptr<ServerThread> server;
  std::unique_ptr<RawClient> client;
};

TEST_F(FrameLimits, MessageOfExactlyMaxSizeIsDelivered) {
  std::string half(kMaxMessage / 2, 'h');
  ASSERT_TRUE(client->send_raw(frame(op::binary, std::string(kMaxMessage, 'x')) +
                               frame(op::text, half, false) + frame(op::continuation, half)));
  auto one = client->read_frame();
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->payload, std::string(kMaxMessage, 'x'));
  auto two = client->read_frame();
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->opcode, op::text);
  EXPECT_EQ(two->payload, half + half);
  EXPECT_EQ(tally.messages.load(), 2);
}

TEST_F(FrameLimits, PingWith125BytePayloadIsAnswered) {
  std::string payload(125, 'p');
  ASSERT_TRUE(client->send_frame(op::ping, payload));
  auto pong = client->read_frame();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->opcode, op::pong);
  EXPECT_EQ(pong->payload, payload);
}

TEST_F(FrameLimits, Utf8SplitInsideACodePointIsDelivered) {
  // "κόσμε" cut in the middle of its multi-byte sequences, across three fragments.
  std::string word = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  ASSERT_TRUE(client->send_raw(frame(op::text, word.substr(0, 1), false) +
                               frame(op::continuation, word.substr(1, 3), false) +
                               frame(op::continuation, word.substr(4))));
  auto f = client->read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::text);
  EXPECT_EQ(f->payload, word);
}

TEST_F(FrameLimits, BinaryIsNotCheckedAsUtf8) {
  std::string bytes = "\xff\xfe\xc0\xaf";
  ASSERT_TRUE(client->send_frame(op::binary, bytes));
  auto f = client->read_frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->opcode, op::binary);
  EXPECT_EQ(f->payload, bytes);
}

TEST_F(FrameLimits, EmptyFramesAreMessages) {
  ASSERT_TRUE(
      client->send_raw(frame(op::text, "") + frame(op::binary, "", false) + frame(op::continuation, "")));
  auto a = client->read_frame();
  auto b = client->read_frame();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->opcode, op::text);
  EXPECT_EQ(a->payload, "");
  EXPECT_EQ(b->opcode, op::binary);
  EXPECT_EQ(b->payload, "");
  EXPECT_EQ(tally.messages.load(), 2);
}

}  // namespace
}  // namespace sluice_test
