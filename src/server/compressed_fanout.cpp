#include "server/compressed_fanout.hpp"

namespace sluice::detail {

CompressedFanout::CompressedFanout(const FrameRef& plain, Compression mode, std::size_t threshold,
                                   SharedDeflate& deflate, MemoryBudget& budget)
    : plain_(plain), mode_(mode), deflate_(deflate), budget_(budget) {
  const std::uint8_t* p = plain.get()->data();
  const std::uint8_t len7 = p[1] & 0x7F;
  const std::size_t header = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
  opcode_ = static_cast<Opcode>(p[0] & 0x0F);
  payload_ = {reinterpret_cast<const char*>(p) + header, plain.size() - header};
  worth_it_ = mode != Compression::off && payload_.size() >= threshold;
}

SendStatus CompressedFanout::publish(Connection& c, std::uint32_t tag,
                                     std::optional<SlowConsumerPolicy> policy) {
  if (!worth_it_ || !c.deflate_negotiated()) return c.publish(plain_.share(), tag, policy);
  const int bits = c.shared_deflate_bits();
  if (bits == 0) {
    if (mode_ == Compression::dedicated) return c.publish_compressed(payload_, opcode_, tag, policy);
    return c.publish(plain_.share(), tag, policy);
  }
  FrameRef& f = by_bits_[static_cast<std::size_t>(bits - 9)];
  if (!f) {
    std::string& out = deflate_.compressed();
    if (deflate_.deflater(bits).compress(payload_, out, false) && out.size() < payload_.size()) {
      f = encode_frame(opcode_, out, true, rsv_bit::compressed);
      f.get()->charge_once(budget_);  // shared like the plain frame: charged once, not per queue
    } else {
      f = plain_.share();
    }
  }
  return c.publish(f.share(), tag, policy);
}

}  // namespace sluice::detail
