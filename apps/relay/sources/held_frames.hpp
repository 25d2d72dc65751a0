// HeldFrames: the decoded frames a paused stream source keeps while its topic is blocked. The
// source stops reading as soon as a publish reports the topic blocked, so what is held is the
// rest of one read (at most the poller's 64 KiB scratch) plus one frame carried over from the
// read before it: bounded by construction, and the memory is kept for the next pause.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sluice::relay {

class HeldFrames {
 public:
  void push(std::span<const std::uint8_t> frame) {
    index_.emplace_back(bytes_.size(), frame.size());
    bytes_.insert(bytes_.end(), frame.begin(), frame.end());
  }
  bool empty() const { return next_ == index_.size(); }
  // The oldest frame not yet taken; valid until the next push() or clear().
  std::span<const std::uint8_t> front() const {
    const auto [offset, size] = index_[next_];
    return {bytes_.data() + offset, size};
  }
  void pop() {
    if (++next_ == index_.size()) clear();
  }
  std::size_t bytes() const { return bytes_.size(); }

 private:
  void clear() {
    bytes_.clear();
    index_.clear();
    next_ = 0;
  }

  std::vector<std::uint8_t> bytes_;
  std::vector<std::pair<std::size_t, std::size_t>> index_;  // offset and size of each frame
  std::size_t next_ = 0;
};

}  // namespace sluice::relay
