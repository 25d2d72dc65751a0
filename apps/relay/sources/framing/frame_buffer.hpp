// FrameBuffer: the one partial frame a decoder may hold, with a capacity fixed at construction.
// Its block is allocated when first needed and then kept, so a stream whose frames straddle
// reads allocates once, not once per frame; it never grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace sluice::relay {

class FrameBuffer {
 public:
  explicit FrameBuffer(std::size_t capacity) : capacity_(capacity) {}

  // Appends all of `bytes`, or nothing and false when they would not fit.
  bool append(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > capacity_ - size_) return false;
    if (bytes.empty()) return true;
    if (!data_) data_ = std::make_unique_for_overwrite<std::uint8_t[]>(capacity_);
    std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
    return true;
  }
  bool push_back(std::uint8_t byte) { return append(std::span<const std::uint8_t>(&byte, 1)); }

  std::span<const std::uint8_t> view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }
  std::size_t bytes_held() const { return data_ ? capacity_ : 0; }

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

}  // namespace sluice::relay
