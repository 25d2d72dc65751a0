// A small state machine: header, payload, skipping. When a whole record follows its header
// inside one feed it is delivered from the input; only a record cut by the end of a feed is
// copied into the pending buffer.
#include "sources/framing/length_prefix_decoder.hpp"

#include <algorithm>

namespace sluice::relay {

LengthPrefixDecoder::LengthPrefixDecoder(PrefixWidth width, std::size_t max_frame)
    : header_size_(static_cast<std::size_t>(width)), max_frame_(max_frame), pending_(max_frame) {}

void LengthPrefixDecoder::feed(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::header: bytes = read_header(bytes, sink); break;
      case State::payload: bytes = read_payload(bytes, sink); break;
      case State::skipping: bytes = skip(bytes); break;
    }
  }
}

std::span<const std::uint8_t> LengthPrefixDecoder::read_header(std::span<const std::uint8_t> bytes,
                                                               FrameSink& sink) {
  const std::size_t take = std::min(header_size_ - header_have_, bytes.size());
  std::copy_n(bytes.begin(), take, header_.begin() + static_cast<std::ptrdiff_t>(header_have_));
  header_have_ += take;
  bytes = bytes.subspan(take);
  if (header_have_ < header_size_) return bytes;
  header_have_ = 0;
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < header_size_; ++i) length = (length << 8) | header_[i];
  if (length <= max_frame_ && length <= bytes.size()) {
    deliver(sink, bytes.first(static_cast<std::size_t>(length)));
    return bytes.subspan(static_cast<std::size_t>(length));
  }
  start_record(length, sink);
  return bytes;
}

void LengthPrefixDecoder::start_record(std::uint64_t length, FrameSink& sink) {
  remaining_ = length;
  if (length > max_frame_) {
    drop(sink, DropReason::oversized);
    state_ = State::skipping;
  } else {
    state_ = State::payload;
  }
}

std::span<const std::uint8_t> LengthPrefixDecoder::read_payload(std::span<const std::uint8_t> bytes,
                                                                FrameSink& sink) {
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
  pending_.append(bytes.first(take));  // fits: remaining_ <= max_frame_ - what is pending
  remaining_ -= take;
  if (remaining_ == 0) {
    deliver(sink, pending_.view());
    pending_.clear();
    state_ = State::header;
  }
  return bytes.subspan(take);
}

std::span<const std::uint8_t> LengthPrefixDecoder::skip(std::span<const std::uint8_t> bytes) {
  const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size()));
  remaining_ -= take;
  if (remaining_ == 0) state_ = State::header;
  return bytes.subspan(take);
}

void LengthPrefixDecoder::finish(FrameSink& sink) {
  // An oversized record cut short was already counted; anything else unfinished is truncated.
  const bool partial = state_ == State::payload || header_have_ > 0;
  if (partial) drop(sink, DropReason::truncated);
  state_ = State::header;
  header_have_ = 0;
  remaining_ = 0;
  pending_.clear();
}

}  // namespace sluice::relay
