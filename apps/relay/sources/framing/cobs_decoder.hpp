// CobsDecoder: Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999), each frame
// followed by a zero byte. A frame that ends before its block does is malformed; decoding
// resumes after that zero. Zeros in a row (empty frames) are skipped.
//
// A frame is a run of blocks: a code byte n (1..255), then n - 1 data bytes; a block with
// n < 255 stands for its data plus one zero, except the last, whose zero is the delimiter.
#pragma once

#include "sources/framing/frame_buffer.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

class CobsDecoder final : public FrameDecoder {
 public:
  explicit CobsDecoder(std::size_t max_frame);

  void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) override;
  void finish(FrameSink& sink) override;
  std::size_t bytes_held() const override { return pending_.bytes_held(); }

 private:
  void add_segment(std::span<const std::uint8_t> segment, FrameSink& sink);
  void end_frame(FrameSink& sink);
  bool append(std::span<const std::uint8_t> bytes, FrameSink& sink);
  void reset_frame();

  FrameBuffer pending_;
  std::size_t block_left_ = 0;  // data bytes still due in the current block
  bool zero_due_ = false;       // the finished block stands for a zero, unless the frame ends here
  bool discarding_ = false;     // dropping up to the next zero, already counted
  bool started_ = false;        // a byte of the current frame has been seen
};

}  // namespace sluice::relay
