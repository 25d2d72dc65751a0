// The ring holds a contiguous run of sequences ending at the last one, so since() finds its
// starting entry by subtraction, and a gap is exactly the sequences before the first held.
#include "history/history_ring.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::relay {

HistoryEntry::HistoryEntry(std::uint64_t seq, Opcode opcode, PublishTime time,
                           std::span<const std::uint8_t> payload)
    : seq_(seq), time_(time), size_(payload.size()), opcode_(opcode) {
  if (!payload.empty()) {
    data_ = std::make_unique_for_overwrite<std::uint8_t[]>(payload.size());
    std::memcpy(data_.get(), payload.data(), payload.size());
  }
}

std::size_t HistoryRing::entry_cost(std::size_t payload_bytes) {
  std::size_t block = 0;
  if (payload_bytes > 0) block = std::max<std::size_t>(32, (payload_bytes + 8 + 15) & ~std::size_t{15});
  return sizeof(HistoryEntry) + block;
}

HistoryRing::HistoryRing(HistoryLimits limits) : limits_(limits) {}

bool HistoryRing::keeps(std::size_t payload_bytes) const {
  if (limits_.retain_last) return true;
  return limits_.max_messages > 0 && entry_cost(payload_bytes) <= limits_.max_bytes;
}

std::uint64_t HistoryRing::push(Opcode opcode, PublishTime time, std::span<const std::uint8_t> payload) {
  ++last_seq_;
  if (!keeps(payload.size())) {
    // Keeping older entries without this one would break the run that since() relies on.
    while (!entries_.empty()) evict_front();
    return last_seq_;
  }
  entries_.emplace_back(last_seq_, opcode, time, payload);
  entries_bytes_ += entry_cost(payload.size());
  trim();
  expire(time);
  return last_seq_;
}

void HistoryRing::evict_front() {
  entries_bytes_ -= entry_cost(entries_.front().payload().size());
  entries_.pop_front();
}

void HistoryRing::trim() {
  while (entries_.size() > floor() &&
         (entries_.size() > limits_.max_messages || entries_bytes_ > limits_.max_bytes)) {
    evict_front();
  }
}

void HistoryRing::expire(PublishTime now) {
  if (limits_.max_age.count() <= 0) return;
  expire_before(now - limits_.max_age);
}

void HistoryRing::expire_before(PublishTime cutoff) {
  while (entries_.size() > floor() && entries_.front().time() < cutoff) evict_front();
}

HistoryRing::Since HistoryRing::since(std::uint64_t seq) const {
  Since out;
  out.last = last_seq_;
  out.entries = Entries(entries_.end(), entries_.end());
  if (seq > last_seq_) {
    out.status = SinceStatus::ahead;
    return out;
  }
  const std::uint64_t first_held = last_seq_ - entries_.size() + 1;
  const std::uint64_t wanted = seq + 1;
  if (wanted < first_held) {
    out.status = SinceStatus::gap;
    out.missing_from = wanted;
    out.missing_to = first_held - 1;
    out.entries = Entries(entries_.begin(), entries_.end());
    return out;
  }
  out.entries = Entries(entries_.begin() + static_cast<std::ptrdiff_t>(wanted - first_held), entries_.end());
  return out;
}

void HistoryRing::set_limits(HistoryLimits limits) {
  limits_ = limits;
  trim();
}

}  // namespace sluice::relay
