// Close codes (RFC 6455 §7.4): which codes may appear on the wire, and the one table that maps
// each protocol error to the code sluice closes with.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "sluice/close_code.hpp"
#include "ws/protocol_error.hpp"

namespace sluice::detail {
namespace {

TEST(CloseCode, ValidWireCodes) {
  for (std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    EXPECT_TRUE(is_valid_wire_close_code(code)) << code;
  }
}

TEST(CloseCode, InvalidWireCodes) {
  // 1004 is reserved; 1005, 1006 and 1015 must never be sent (§7.4.1); 1016-2999 are reserved
  // for future protocol use; 5000 and above are not defined.
  for (std::uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_FALSE(is_valid_wire_close_code(code)) << code;
  }
}

TEST(CloseCode, BoundariesOfEachRange) {
  EXPECT_FALSE(is_valid_wire_close_code(999));
  EXPECT_TRUE(is_valid_wire_close_code(1000));
  EXPECT_TRUE(is_valid_wire_close_code(1003));
  EXPECT_FALSE(is_valid_wire_close_code(1004));
  EXPECT_FALSE(is_valid_wire_close_code(1006));
  EXPECT_TRUE(is_valid_wire_close_code(1007));
  EXPECT_TRUE(is_valid_wire_close_code(1014));
  EXPECT_FALSE(is_valid_wire_close_code(1015));
  EXPECT_FALSE(is_valid_wire_close_code(2999));
  EXPECT_TRUE(is_valid_wire_close_code(3000));
  EXPECT_TRUE(is_valid_wire_close_code(4999));
  EXPECT_FALSE(is_valid_wire_close_code(5000));
}

TEST(CloseCode, EveryCodeAgreesWithTheRanges) {
  for (std::uint32_t code = 0; code <= 0xFFFF; ++code) {
    const bool expected =
        (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_wire_close_code(static_cast<std::uint16_t>(code)), expected) << code;
  }
}

TEST(CloseCode, InvalidUtf8ClosesWith1007) {
  EXPECT_EQ(close_code_for(ProtocolError::invalid_utf8), 1007);
  EXPECT_EQ(close_code_for(ProtocolError::invalid_utf8), close_code::invalid_payload);
}

TEST(CloseCode, MessageTooBigClosesWith1009) {
  EXPECT_EQ(close_code_for(ProtocolError::message_too_big), 1009);
  EXPECT_EQ(close_code_for(ProtocolError::message_too_big), close_code::message_too_big);
}

TEST(CloseCode, OtherProtocolErrorsCloseWith1002) {
  for (ProtocolError e :
       {ProtocolError::reserved_bits, ProtocolError::unknown_opcode, ProtocolError::unmasked_client_frame,
        ProtocolError::masked_server_frame, ProtocolError::fragmented_control,
        ProtocolError::control_too_long, ProtocolError::non_minimal_length, ProtocolError::length_high_bit,
        ProtocolError::unexpected_continuation, ProtocolError::expected_continuation,
        ProtocolError::close_payload_one_byte, ProtocolError::invalid_close_code}) {
    EXPECT_EQ(close_code_for(e), 1002) << describe(e);
  }
}

TEST(CloseCode, NoErrorMapsToNormal) { EXPECT_EQ(close_code_for(ProtocolError::none), 1000); }

TEST(CloseCode, EveryErrorHasADistinctDescription) {
  const auto last = static_cast<int>(ProtocolError::invalid_close_code);
  for (int i = 0; i <= last; ++i) {
    const std::string_view a = describe(static_cast<ProtocolError>(i));
    EXPECT_FALSE(a.empty()) << i;
    for (int j = i + 1; j <= last; ++j)
      EXPECT_NE(a, describe(static_cast<ProtocolError>(j))) << i << " " << j;
  }
}

TEST(CloseCode, PublicConstantsMatchRfc6455) {
  EXPECT_EQ(close_code::normal, 1000);
  EXPECT_EQ(close_code::going_away, 1001);
  EXPECT_EQ(close_code::protocol_error, 1002);
  EXPECT_EQ(close_code::unsupported_data, 1003);
  EXPECT_EQ(close_code::no_status, 1005);
  EXPECT_EQ(close_code::abnormal, 1006);
  EXPECT_EQ(close_code::invalid_payload, 1007);
  EXPECT_EQ(close_code::policy_violation, 1008);
  EXPECT_EQ(close_code::message_too_big, 1009);
  EXPECT_EQ(close_code::internal_error, 1011);
}

}  // namespace
}  // namespace sluice::detail
