// CompressedFanout: one published message on its way to a topic's subscribers that negotiated
// permessage-deflate. A subscriber whose messages start afresh (shared mode) gets the frame
// compressed for its window size, made the first time one needs it and shared by reference with
// every other subscriber of that size, so a message is compressed at most once per distinct
// parameter set on each thread. A subscriber with a context of its own is compressed for alone,
// when the topic asks for dedicated compression, and sent the plain frame otherwise (an
// uncompressed message leaves the peer's context as it was).
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "conn/connection.hpp"
#include "send/frame_buffer.hpp"
#include "send/memory_budget.hpp"
#include "sluice/compression.hpp"

namespace sluice::detail {

class CompressedFanout {
 public:
  // `plain`: the frame as published (unmasked, one frame); `mode`: the topic's compression.
  CompressedFanout(const FrameRef& plain, Compression mode, std::size_t threshold, SharedDeflate& deflate,
                   MemoryBudget& budget);

  // The frame for `c`, shared where it can be; may send itself (dedicated) and then says how.
  SendStatus publish(Connection& c, std::uint32_t tag, std::optional<SlowConsumerPolicy> policy);

 private:
  const FrameRef& plain_;
  std::string_view payload_;
  Opcode opcode_ = Opcode::binary;
  Compression mode_;
  bool worth_it_;  // over the threshold, and the topic compresses
  SharedDeflate& deflate_;
  MemoryBudget& budget_;
  // By window size 9..15: the compressed frame, or the plain one where it did not shrink.
  std::array<FrameRef, 7> by_bits_;
};

}  // namespace sluice::detail
