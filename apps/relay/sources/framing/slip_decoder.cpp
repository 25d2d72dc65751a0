// The input is cut at END bytes with memchr; within a frame, runs between ESC bytes are copied
// in bulk. A frame with no ESC that lies whole inside one feed is delivered from the input.
#include "sources/framing/slip_decoder.hpp"

#include <cstring>

namespace sluice::relay {
namespace {

const std::uint8_t* find(std::span<const std::uint8_t> bytes, std::uint8_t value) {
  return static_cast<const std::uint8_t*>(std::memchr(bytes.data(), value, bytes.size()));
}

}  // namespace

SlipDecoder::SlipDecoder(std::size_t max_frame) : pending_(max_frame) {}

void SlipDecoder::feed(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  while (!bytes.empty()) {
    const std::uint8_t* end = find(bytes, slip::end);
    const std::size_t length = end == nullptr ? bytes.size() : static_cast<std::size_t>(end - bytes.data());
    const auto segment = bytes.first(length);
    const bool whole = end != nullptr && !started_ && find(segment, slip::esc) == nullptr;
    if (whole) {
      if (segment.size() > pending_.capacity()) {
        drop(sink, DropReason::oversized);
      } else {
        deliver(sink, segment);
      }
    } else {
      add_segment(segment, sink);
      if (end != nullptr) end_frame(sink);
    }
    bytes = bytes.subspan(end == nullptr ? length : length + 1);
  }
}

void SlipDecoder::add_segment(std::span<const std::uint8_t> segment, FrameSink& sink) {
  if (!segment.empty()) started_ = true;
  while (!segment.empty() && !discarding_) {
    if (escaped_) {
      escaped_ = false;
      append_escaped(segment.front(), sink);
      segment = segment.subspan(1);
      continue;
    }
    const std::uint8_t* esc = find(segment, slip::esc);
    const std::size_t run = esc == nullptr ? segment.size() : static_cast<std::size_t>(esc - segment.data());
    append_plain(segment.first(run), sink);
    if (esc == nullptr) return;
    escaped_ = true;
    segment = segment.subspan(run + 1);
  }
}

void SlipDecoder::append_escaped(std::uint8_t code, FrameSink& sink) {
  if (code == slip::esc_end) {
    const std::uint8_t b = slip::end;
    append_plain({&b, 1}, sink);
  } else if (code == slip::esc_esc) {
    const std::uint8_t b = slip::esc;
    append_plain({&b, 1}, sink);
  } else {
    start_discarding(DropReason::malformed, sink);
  }
}

void SlipDecoder::append_plain(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  if (!pending_.append(bytes)) start_discarding(DropReason::oversized, sink);
}

void SlipDecoder::start_discarding(DropReason reason, FrameSink& sink) {
  discarding_ = true;
  escaped_ = false;
  pending_.clear();
  drop(sink, reason);
}

void SlipDecoder::end_frame(FrameSink& sink) {
  if (discarding_) {
    discarding_ = false;
  } else if (escaped_) {
    drop(sink, DropReason::malformed);
  } else {
    deliver(sink, pending_.view());
  }
  pending_.clear();
  escaped_ = false;
  started_ = false;
}

void SlipDecoder::finish(FrameSink& sink) {
  if (started_ && !discarding_) drop(sink, DropReason::truncated);
  pending_.clear();
  escaped_ = false;
  discarding_ = false;
  started_ = false;
}

}  // namespace sluice::relay
