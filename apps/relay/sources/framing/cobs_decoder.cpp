// The input is cut at zero bytes with memchr; within a frame, each block's data is copied in
// one piece. The zero a block stands for is only written once the next block begins, since
// the last block's zero is the delimiter and not part of the message.
#include "sources/framing/cobs_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::relay {

CobsDecoder::CobsDecoder(std::size_t max_frame) : pending_(max_frame) {}

void CobsDecoder::feed(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  while (!bytes.empty()) {
    const auto* zero = static_cast<const std::uint8_t*>(std::memchr(bytes.data(), 0, bytes.size()));
    const std::size_t length = zero == nullptr ? bytes.size() : static_cast<std::size_t>(zero - bytes.data());
    add_segment(bytes.first(length), sink);
    if (zero == nullptr) return;
    end_frame(sink);
    bytes = bytes.subspan(length + 1);
  }
}

bool CobsDecoder::append(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  if (pending_.append(bytes)) return true;
  discarding_ = true;
  pending_.clear();
  drop(sink, DropReason::oversized);
  return false;
}

void CobsDecoder::add_segment(std::span<const std::uint8_t> segment, FrameSink& sink) {
  if (!segment.empty()) started_ = true;
  while (!segment.empty() && !discarding_) {
    if (block_left_ == 0) {
      const std::uint8_t code = segment.front();
      segment = segment.subspan(1);
      if (zero_due_) {
        const std::uint8_t z = 0;
        if (!append({&z, 1}, sink)) return;
      }
      block_left_ = code - 1u;
      zero_due_ = code != 0xFF;
      continue;
    }
    const std::size_t take = std::min(block_left_, segment.size());
    if (!append(segment.first(take), sink)) return;
    block_left_ -= take;
    segment = segment.subspan(take);
  }
}

void CobsDecoder::end_frame(FrameSink& sink) {
  if (discarding_) {
    // Already counted.
  } else if (block_left_ > 0) {
    drop(sink, DropReason::malformed);
  } else {
    deliver(sink, pending_.view());  // an empty frame is counted as skipped
  }
  reset_frame();
}

void CobsDecoder::reset_frame() {
  pending_.clear();
  block_left_ = 0;
  zero_due_ = false;
  discarding_ = false;
  started_ = false;
}

void CobsDecoder::finish(FrameSink& sink) {
  if (started_ && !discarding_) drop(sink, DropReason::truncated);
  reset_frame();
}

}  // namespace sluice::relay
