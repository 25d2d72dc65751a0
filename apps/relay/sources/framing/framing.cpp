// Names of framings and drop reasons, the shared delivery and drop bookkeeping, and the factory
// that picks a decoder for a framing.
#include "sources/framing/framing.hpp"

#include <array>
#include <utility>

#include "sources/framing/cobs_decoder.hpp"
#include "sources/framing/datagram_decoder.hpp"
#include "sources/framing/length_prefix_decoder.hpp"
#include "sources/framing/line_decoder.hpp"
#include "sources/framing/raw_decoder.hpp"
#include "sources/framing/slip_decoder.hpp"

namespace sluice::relay {
namespace {

constexpr std::array<std::pair<Framing, std::string_view>, 7> framing_names{{
    {Framing::line, "line"},
    {Framing::len16, "len16"},
    {Framing::len32, "len32"},
    {Framing::slip, "slip"},
    {Framing::cobs, "cobs"},
    {Framing::raw, "raw"},
    {Framing::datagram, "datagram"},
}};

}  // namespace

std::string_view to_string(Framing framing) {
  for (const auto& [f, name] : framing_names) {
    if (f == framing) return name;
  }
  return "unknown";
}

std::optional<Framing> parse_framing(std::string_view name) {
  for (const auto& [f, n] : framing_names) {
    if (n == name) return f;
  }
  return std::nullopt;
}

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::oversized: return "oversized";
    case DropReason::malformed: return "malformed";
    case DropReason::truncated: return "truncated";
  }
  return "unknown";
}

std::uint64_t DecoderCounters::dropped(DropReason reason) const {
  switch (reason) {
    case DropReason::oversized: return oversized;
    case DropReason::malformed: return malformed;
    case DropReason::truncated: return truncated;
  }
  return 0;
}

void FrameDecoder::deliver(FrameSink& sink, std::span<const std::uint8_t> frame) {
  if (frame.empty()) {
    ++counters_.skipped_empty;
    return;
  }
  ++counters_.frames;
  sink.on_frame(frame);
}

void FrameDecoder::drop(FrameSink& sink, DropReason reason) {
  switch (reason) {
    case DropReason::oversized: ++counters_.oversized; break;
    case DropReason::malformed: ++counters_.malformed; break;
    case DropReason::truncated: ++counters_.truncated; break;
  }
  sink.on_drop(reason);
}

std::unique_ptr<FrameDecoder> make_decoder(Framing framing, const FramingLimits& limits) {
  switch (framing) {
    case Framing::line: return std::make_unique<LineDecoder>(limits.max_frame);
    case Framing::len16:
      return std::make_unique<LengthPrefixDecoder>(PrefixWidth::two_bytes, limits.max_frame);
    case Framing::len32:
      return std::make_unique<LengthPrefixDecoder>(PrefixWidth::four_bytes, limits.max_frame);
    case Framing::slip: return std::make_unique<SlipDecoder>(limits.max_frame);
    case Framing::cobs: return std::make_unique<CobsDecoder>(limits.max_frame);
    case Framing::raw: return std::make_unique<RawDecoder>(limits.max_chunk);
    case Framing::datagram: return std::make_unique<DatagramDecoder>(limits.max_frame);
  }
  return nullptr;
}

}  // namespace sluice::relay
