// RawDecoder: no framing at all. Each read becomes messages as it came, cut into pieces of at
// most max_chunk bytes; nothing is buffered, so nothing is ever dropped. Message boundaries
// then depend on timing (how the kernel delivered the bytes), which is what "raw" means.
#pragma once

#include "sources/framing/framing.hpp"

namespace sluice::relay {

class RawDecoder final : public FrameDecoder {
 public:
  explicit RawDecoder(std::size_t max_chunk) : max_chunk_(max_chunk) {}

  void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) override {
    while (!bytes.empty()) {
      const std::size_t n = bytes.size() < max_chunk_ ? bytes.size() : max_chunk_;
      deliver(sink, bytes.first(n));
      bytes = bytes.subspan(n);
    }
  }
  void finish(FrameSink&) override {}

 private:
  std::size_t max_chunk_;
};

}  // namespace sluice::relay
