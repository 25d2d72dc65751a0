// Lines are found with memchr; a line that lies whole inside one feed is delivered from the
// input directly, and only the unfinished tail of a feed is copied.
#include "sources/framing/line_decoder.hpp"

#include <cstring>

namespace sluice::relay {

LineDecoder::LineDecoder(std::size_t max_frame) : max_frame_(max_frame), pending_(max_frame + 1) {}

void LineDecoder::end_line(std::span<const std::uint8_t> line, FrameSink& sink) {
  if (!line.empty() && line.back() == '\r') line = line.first(line.size() - 1);
  if (line.size() > max_frame_) {
    drop(sink, DropReason::oversized);
    return;
  }
  deliver(sink, line);
}

void LineDecoder::feed(std::span<const std::uint8_t> bytes, FrameSink& sink) {
  while (!bytes.empty()) {
    const auto* lf = static_cast<const std::uint8_t*>(std::memchr(bytes.data(), '\n', bytes.size()));
    if (lf == nullptr) {
      if (!discarding_ && !pending_.append(bytes)) {
        pending_.clear();
        discarding_ = true;
        drop(sink, DropReason::oversized);
      }
      return;
    }
    const auto line = bytes.first(static_cast<std::size_t>(lf - bytes.data()));
    bytes = bytes.subspan(line.size() + 1);
    if (discarding_) {
      discarding_ = false;
    } else if (pending_.empty()) {
      end_line(line, sink);
    } else if (pending_.append(line)) {
      end_line(pending_.view(), sink);
      pending_.clear();
    } else {
      pending_.clear();
      drop(sink, DropReason::oversized);
    }
  }
}

void LineDecoder::finish(FrameSink& sink) {
  if (!discarding_ && !pending_.empty()) end_line(pending_.view(), sink);
  pending_.clear();
  discarding_ = false;
}

}  // namespace sluice::relay
