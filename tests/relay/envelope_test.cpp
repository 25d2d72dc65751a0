// Envelopes: the exact JSON of a text message, a binary message, a gap and a reset, as the
// header documents them.
#include "topics/envelope.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

PublishTime at(long ms) { return PublishTime{std::chrono::milliseconds{ms}}; }

TEST(Envelope, TextMessageCarriesDataAsAString) {
  const EnvelopeMessage m{"sensors/radio", 42, at(1733339000123), Opcode::text, bytes_of("21.5 \"C\"")};
  EXPECT_EQ(envelope(m), R"({"topic":"sensors/radio","seq":42,"time":1733339000123,"data":"21.5 \"C\""})");
}

TEST(Envelope, BinaryMessageCarriesDataAsBase64) {
  const std::uint8_t payload[] = {0, 1, 2};
  const EnvelopeMessage m{"sensors/radio", 43, at(5), Opcode::binary, payload};
  EXPECT_EQ(envelope(m), R"({"topic":"sensors/radio","seq":43,"time":5,"data_b64":"AAEC"})");
}

TEST(Envelope, BinaryMessageIsBase64EvenWhenItIsValidText) {
  const EnvelopeMessage m{"t", 1, at(0), Opcode::binary, bytes_of("hi")};
  EXPECT_EQ(envelope(m), R"({"topic":"t","seq":1,"time":0,"data_b64":"aGk="})");
}

TEST(Envelope, TextThatIsNotUtf8IsSentAsBase64Unaltered) {
  const EnvelopeMessage m{"t", 1, at(0), Opcode::text, bytes_of("\xFF\xFE")};
  EXPECT_EQ(envelope(m), R"({"topic":"t","seq":1,"time":0,"data_b64":"//4="})");
}

TEST(Envelope, EmptyPayload) {
  const EnvelopeMessage m{"t", 1, at(0), Opcode::text, {}};
  EXPECT_EQ(envelope(m), R"({"topic":"t","seq":1,"time":0,"data":""})");
}

TEST(Envelope, GapNamesTheMissingRange) {
  EXPECT_EQ(envelope(GapNotice{"sensors/radio", 5, 17, GapReason::evicted}),
            R"({"topic":"sensors/radio","gap":{"from":5,"to":17,"reason":"evicted"}})");
}

TEST(Envelope, ResetNamesWhatWasAskedAndTheLastSequence) {
  EXPECT_EQ(envelope(ResetNotice{"sensors/radio", 900, 42}),
            R"({"topic":"sensors/radio","reset":{"since":900,"last":42}})");
}

TEST(Envelope, SubscribedNamesTheEpoch) {
  EXPECT_EQ(envelope(SubscribedNotice{"5f0c2a9e7d41b836"}), R"({"subscribed":{"epoch":"5f0c2a9e7d41b836"}})");
}

TEST(Envelope, AppendReusesTheBuffer) {
  std::string out;
  append_envelope(out, ResetNotice{"a", 2, 1});
  out += '\n';
  append_envelope(out, GapNotice{"a", 1, 1, GapReason::evicted});
  EXPECT_EQ(out,
            "{\"topic\":\"a\",\"reset\":{\"since\":2,\"last\":1}}\n"
            "{\"topic\":\"a\",\"gap\":{\"from\":1,\"to\":1,\"reason\":\"evicted\"}}");
}

}  // namespace
}  // namespace sluice::relay
