// Fuzzes the frames a client reads: server frames, which must not be masked (RFC 6455 §5.1),
// through FrameParser and MessageAssembler (frame_target.hpp has the checks).
#include "frame_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return sluice::fuzz::fuzz_frames(sluice::detail::Role::client, data, size);
}
