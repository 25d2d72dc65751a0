// Refusals: every request, upgrade or client message the relay turns down goes through
// refuse(), which writes its one log line and counts it by reason, so that GET /stats shows
// how often each happens. (Connections the engine answers 503 at its limits are counted by
// the engine, ServerStats::connections_refused, and logged there.)
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::relay {

enum class RefusalReason : std::uint8_t {
  bad_request,   // 400: a malformed URL, topic name or text, or a client publishing where it cannot
  unauthorized,  // 401: the API key is missing or wrong
  forbidden,     // 403: another origin, or the topic's settings do not allow it
  not_found,     // 404: no WebSocket at that path
  too_large,     // 413, or 1009 on a connection: over max_message_size
};
inline constexpr std::size_t refusal_reason_count = 5;
static_assert(static_cast<std::size_t>(RefusalReason::too_large) + 1 == refusal_reason_count);

std::string_view to_string(RefusalReason reason);
// The reason an HTTP status stands for (400 for any status it does not list).
RefusalReason refusal_reason(int status);

class Refusals {
 public:
  // Logs "PEER: WHAT refused with STATUS: WHY" at warn and counts it; any thread.
  void refuse(RefusalReason reason, std::string_view peer, std::string_view what, int status,
              std::string_view why);
  std::array<std::uint64_t, refusal_reason_count> totals() const;

 private:
  std::array<std::atomic<std::uint64_t>, refusal_reason_count> counts_{};
};

}  // namespace sluice::relay
