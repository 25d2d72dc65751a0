#include "relay/refusals.hpp"

#include "relay/log_line.hpp"

namespace sluice::relay {

std::string_view to_string(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::bad_request: return "bad_request";
    case RefusalReason::unauthorized: return "unauthorized";
    case RefusalReason::forbidden: return "forbidden";
    case RefusalReason::not_found: return "not_found";
    case RefusalReason::too_large: return "too_large";
  }
  return "unknown";
}

RefusalReason refusal_reason(int status) {
  switch (status) {
    case 401: return RefusalReason::unauthorized;
    case 403: return RefusalReason::forbidden;
    case 404: return RefusalReason::not_found;
    case 413: return RefusalReason::too_large;
    default: return RefusalReason::bad_request;
  }
}

void Refusals::refuse(RefusalReason reason, std::string_view peer, std::string_view what, int status,
                      std::string_view why) {
  counts_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  log_line(LogLevel::warn, "{}: {} refused with {}: {}", peer, what, status, why);
}

std::array<std::uint64_t, refusal_reason_count> Refusals::totals() const {
  std::array<std::uint64_t, refusal_reason_count> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

}  // namespace sluice::relay
