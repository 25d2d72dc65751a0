#include "conn/deferred_answer.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::detail {

DeferredAnswer::~DeferredAnswer() {
  if (capacity_ > 0) account_.uncharge(capacity_);
}

bool DeferredAnswer::keep(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return true;
  const std::size_t needed = size_ + bytes.size();
  if (needed > capacity_) {
    const std::size_t grown = std::max(needed, capacity_ * 2);
    if (!account_.try_charge(grown - capacity_, grown)) return false;
    auto larger = std::make_unique<std::uint8_t[]>(grown);
    if (size_ > 0) std::memcpy(larger.get(), bytes_.get(), size_);
    bytes_ = std::move(larger);
    capacity_ = grown;
  }
  std::memcpy(bytes_.get() + size_, bytes.data(), bytes.size());
  size_ = needed;
  return true;
}

}  // namespace sluice::detail
