// DatagramDecoder: one datagram, one message; each feed() is one whole datagram. Read with a
// buffer of at least max_frame + 1 bytes (or with MSG_TRUNC), so that a datagram longer than
// max_frame shows as longer and is dropped as oversized rather than delivered cut short.
#pragma once

#include "sources/framing/framing.hpp"

namespace sluice::relay {

class DatagramDecoder final : public FrameDecoder {
 public:
  explicit DatagramDecoder(std::size_t max_frame) : max_frame_(max_frame) {}

  void feed(std::span<const std::uint8_t> datagram, FrameSink& sink) override {
    if (datagram.size() > max_frame_) {
      drop(sink, DropReason::oversized);
    } else {
      deliver(sink, datagram);
    }
  }
  void finish(FrameSink&) override {}

 private:
  std::size_t max_frame_;
};

}  // namespace sluice::relay
