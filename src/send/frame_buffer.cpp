#include "send/frame_buffer.hpp"

#include <cstring>
#include <new>

#include "send/frame_pool.hpp"
#include "send/memory_budget.hpp"
#include "send/send_queue.hpp"
#include "sluice/stats.hpp"
#include "ws/frame_encoder.hpp"
#include "ws/mask.hpp"
#include "ws/mask_keys.hpp"

namespace sluice::detail {

void FrameBuffer::free_block() {
  const auto pool_class = static_cast<std::uint8_t>(pool_class_);
  const std::size_t bytes = sizeof(FrameBuffer) + size_;
  if (budget_) budget_->uncharge_shared(footprint());
  this->~FrameBuffer();
  frame_pool::free(this, pool_class, bytes);
}

void FrameBuffer::charge_once(MemoryBudget& budget) {
  budget.charge_shared(footprint());
  budget_ = &budget;
}

FrameBuffer* new_frame(Opcode opcode, std::string_view payload, bool fin, std::uint8_t rsv) {
  std::size_t header = frame_header_size(payload.size(), false);
  FrameBuffer* f = FrameBuffer::allocate(header + payload.size());
  std::uint8_t* out = f->data();
  write_frame_header(out, opcode, fin, payload.size(), nullptr, rsv);
  if (!payload.empty()) std::memcpy(out + header, payload.data(), payload.size());
  return f;
}

FrameBuffer* new_masked_frame(Opcode opcode, std::string_view payload, bool fin, std::uint8_t rsv) {
  std::array<std::uint8_t, 4> key = next_mask_key();
  std::size_t header = frame_header_size(payload.size(), true);
  FrameBuffer* f = FrameBuffer::allocate(header + payload.size());
  write_frame_header(f->data(), opcode, fin, payload.size(), &key, rsv);
  if (!payload.empty()) {
    std::memcpy(f->data() + header, payload.data(), payload.size());
    apply_mask(f->data() + header, payload.size(), key, 0);
  }
  return f;
}

FrameRef payload_of(const FrameBuffer& frame) {
  const std::uint8_t* p = frame.data();
  const std::uint8_t len7 = p[1] & 0x7F;
  const std::size_t header = len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
  return raw_bytes({reinterpret_cast<const char*>(p) + header, frame.size() - header});
}

FrameRef raw_bytes(std::string_view bytes) {
  FrameBuffer* f = FrameBuffer::allocate(bytes.size());
  if (!bytes.empty()) std::memcpy(f->data(), bytes.data(), bytes.size());
  return FrameRef(f);
}

}  // namespace sluice::detail

namespace sluice {

std::size_t queued_message_cost(std::size_t payload_size) {
  using namespace detail;
  const std::size_t bytes = sizeof(FrameBuffer) + frame_header_size(payload_size, false) + payload_size;
  return frame_pool::footprint(frame_pool::class_for(bytes), bytes) + SendQueue::kEntryCharge;
}

}  // namespace sluice
