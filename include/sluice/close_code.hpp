// Close status codes (RFC 6455 §7.4.1) that sluice sends or reports in on_close.
#pragma once

#include <cstdint>

namespace sluice::close_code {

inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;  // reported only: the peer's close frame had no code
inline constexpr std::uint16_t abnormal = 1006;   // reported only: no close frame was received
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t try_again_later = 1013;  // a service the server needs is unavailable

}  // namespace sluice::close_code
