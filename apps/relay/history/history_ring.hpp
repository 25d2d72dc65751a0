// HistoryRing: a topic's recent messages, kept so that a client can resume after the last
// sequence it saw, and so that a new subscriber can get the retained last value. It numbers the
// topic's messages (from 1) and keeps the newest of them within bounds on count, bytes and age.
// One heap block per payload, indexed by a deque of fixed-size entries: nothing grows in place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <ranges>
#include <span>

#include "sluice/opcode.hpp"
#include "topics/publish_time.hpp"

namespace sluice::relay {

struct HistoryLimits {
  std::size_t max_messages = 0;          // 0: keep none, except a retained last
  std::size_t max_bytes = 1024 * 1024;   // bound on the entries' cost (see HistoryRing::entry_cost)
  std::chrono::milliseconds max_age{0};  // 0: no age bound
  // Keep the newest message whatever the other bounds say (it is bounded by the message size),
  // so that last() always has the topic's current value.
  bool retain_last = false;
};

class HistoryEntry {
 public:
  HistoryEntry(std::uint64_t seq, Opcode opcode, PublishTime time, std::span<const std::uint8_t> payload);

  std::uint64_t seq() const { return seq_; }
  Opcode opcode() const { return opcode_; }
  PublishTime time() const { return time_; }
  std::span<const std::uint8_t> payload() const { return {data_.get(), size_}; }

 private:
  std::uint64_t seq_;
  PublishTime time_;
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_;
  Opcode opcode_;
};

enum class SinceStatus : std::uint8_t {
  complete,  // entries holds every message after the asked sequence (possibly none)
  gap,       // missing_from..missing_to are gone; entries holds what follows them
  ahead,     // the asked sequence is beyond last: a client of an earlier run of the relay
};

class HistoryRing {
 public:
  using Entries = std::ranges::subrange<std::deque<HistoryEntry>::const_iterator>;

  struct Since {
    SinceStatus status = SinceStatus::complete;
    std::uint64_t missing_from = 0;  // gap only: the first sequence no longer held
    std::uint64_t missing_to = 0;    // gap only: the last sequence no longer held
    std::uint64_t last = 0;          // the topic's last sequence (0: nothing published yet)
    Entries entries;                 // oldest first; empty when ahead
  };

  // What one entry counts against max_bytes and in bytes_held(): the payload's heap block as
  // glibc's malloc sizes it (8 bytes of header, rounded up to 16, at least 32) plus the
  // entry's slot in the index.
  static std::size_t entry_cost(std::size_t payload_bytes);
  // The index's own allocation (a deque's map and first block), held even when empty.
  static constexpr std::size_t index_overhead = 512 + 8 * sizeof(void*);

  explicit HistoryRing(HistoryLimits limits);

  // Numbers the message (last_seq() + 1, returned), keeps it if the limits allow and evicts
  // what they no longer allow; `time` also serves as "now" for the age bound. The payload is
  // copied. A message too big for max_bytes is not kept, and then neither is anything older:
  // what the ring holds is always the unbroken run of messages up to the last.
  std::uint64_t push(Opcode opcode, PublishTime time, std::span<const std::uint8_t> payload);

  // Evicts entries published before now - max_age. Call it before since() on a timer or per
  // request; push() applies it too. The clock is the caller's (publish times are wall clock:
  // an entry stamped in the future, after a clock step back, stays until count or bytes evict it).
  void expire(PublishTime now);

  // The messages after `seq`. seq == last(): complete and empty. seq == 0 asks for everything.
  // The entries stay valid until the next push(), expire() or set_limits().
  Since since(std::uint64_t seq) const;

  // The newest message still held, or nullptr (nothing published, or not kept).
  const HistoryEntry* last() const { return entries_.empty() ? nullptr : &entries_.back(); }

  // Applies new limits (a configuration reload) and evicts at once what the count and byte
  // bounds no longer allow; a new age bound applies from the next expire() or push().
  void set_limits(HistoryLimits limits);
  const HistoryLimits& limits() const { return limits_; }

  std::uint64_t last_seq() const { return last_seq_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Every heap byte the ring holds: the entries' cost plus index_overhead. The relay counts it
  // against its memory limit.
  std::size_t bytes_held() const { return entries_bytes_ + index_overhead; }

 private:
  bool keeps(std::size_t payload_bytes) const;
  void evict_front();
  void trim();
  void expire_before(PublishTime cutoff);
  std::size_t floor() const { return limits_.retain_last ? 1 : 0; }

  HistoryLimits limits_;
  std::deque<HistoryEntry> entries_;  // seqs last_seq_ - size() + 1 .. last_seq_, contiguous
  std::size_t entries_bytes_ = 0;
  std::uint64_t last_seq_ = 0;
};

}  // namespace sluice::relay
