// SlipDecoder: RFC 1055 framing. END (0xC0) ends a frame; ESC (0xDB) followed by ESC_END
// (0xDC) or ESC_ESC (0xDD) stands for a literal 0xC0 or 0xDB. As the RFC advises, a leading END
// and empty frames between ENDs are skipped (senders emit END first to flush line noise).
//
// ESC followed by anything else is a malformed frame; it is dropped up to the next END, which
// always starts a fresh frame, as does an END right after an ESC.
#pragma once

#include "sources/framing/frame_buffer.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

namespace slip {
inline constexpr std::uint8_t end = 0xC0;
inline constexpr std::uint8_t esc = 0xDB;
inline constexpr std::uint8_t esc_end = 0xDC;
inline constexpr std::uint8_t esc_esc = 0xDD;
}  // namespace slip

class SlipDecoder final : public FrameDecoder {
 public:
  explicit SlipDecoder(std::size_t max_frame);

  void feed(std::span<const std::uint8_t> bytes, FrameSink& sink) override;
  void finish(FrameSink& sink) override;
  std::size_t bytes_held() const override { return pending_.bytes_held(); }

 private:
  void add_segment(std::span<const std::uint8_t> segment, FrameSink& sink);
  void append_escaped(std::uint8_t code, FrameSink& sink);
  void append_plain(std::span<const std::uint8_t> bytes, FrameSink& sink);
  void end_frame(FrameSink& sink);
  void start_discarding(DropReason reason, FrameSink& sink);

  FrameBuffer pending_;
  bool escaped_ = false;     // the last byte was ESC
  bool discarding_ = false;  // dropping up to the next END, already counted
  bool started_ = false;     // bytes of the current frame seen (for finish())
};

}  // namespace sluice::relay
