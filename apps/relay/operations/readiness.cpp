#include "operations/readiness.hpp"

namespace sluice::relay {

void Readiness::set(ReadinessCheck check, std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  reasons_[static_cast<std::size_t>(check)] = std::move(reason);
}

std::optional<std::string> Readiness::not_ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& r : reasons_)
    if (!r.empty()) return r;
  return std::nullopt;
}

std::optional<std::string> Readiness::refusing_new_work() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (ReadinessCheck c : {ReadinessCheck::resources, ReadinessCheck::broker}) {
    const std::string& r = reasons_[static_cast<std::size_t>(c)];
    if (!r.empty()) return r;
  }
  return std::nullopt;
}

}  // namespace sluice::relay
