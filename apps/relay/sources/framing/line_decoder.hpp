// LineDecoder: LF-terminated lines, for text output of programs and serial consoles. A CR right
// before the LF is removed; a line longer than max_frame (not counting the LF and such a CR)
// is dropped as oversized without being buffered, and decoding resumes after its LF.
#pragma once

#include "sources/framing/frame_buffer.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

class LineDecoder final : public FrameDecoder {
 public:
  explicit LineDecoder(std::size_t max_frame);

  void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) override;
  // A last line without its LF is delivered: programs often end their output that way.
  void finish(FrameSink& sink) override;
  std::size_t bytes_held() const override { return pending_.bytes_held(); }

 private:
  void end_line(std::span<const std::uint8_t> line, FrameSink& sink);

  std::size_t max_frame_;
  FrameBuffer pending_;      // room for max_frame plus a CR that the LF may yet strip
  bool discarding_ = false;  // inside an oversized line, already counted
};

}  // namespace sluice::relay
