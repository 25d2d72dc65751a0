// FrameBuffer: one encoded frame (header + payload) in an immutable, reference-counted block.
// A broadcast to N receivers holds one FrameBuffer and N references to it (DESIGN invariant 4).
// FrameRef is the owning handle; copying one is explicit (share()) so no reference is taken by
// accident on the hot path. footprint() is what the block really occupies, which is what the
// send caps and the process budget charge.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "mem/footprint.hpp"
#include "send/frame_pool.hpp"
#include "sluice/opcode.hpp"

namespace sluice::detail {

class MemoryBudget;

// What a queue entry costs on top of its frame: a share of a 16-entry block (send_queue.hpp).
inline constexpr std::size_t kQueueEntryCharge = 18;
// Frames stay under 4 GiB: a payload larger than this is refused before it is encoded.
inline constexpr std::size_t kMaxFramePayload = 0xFFFF0000u;

class FrameBuffer {
 public:
  // One reference, uninitialised bytes (size <= kMaxFramePayload + a header). Throws
  // std::bad_alloc when memory runs out.
  static FrameBuffer* allocate(std::size_t size) {
    std::uint8_t pool_class;
    std::size_t occupies;
    void* mem = frame_pool::allocate(sizeof(FrameBuffer) + size, pool_class, occupies);
    return new (mem) FrameBuffer(size, pool_class, occupies);
  }

  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(this + 1); }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(this + 1); }
  std::size_t size() const { return size_; }
  // Bytes of memory the block occupies, allocator overhead included.
  std::size_t footprint() const { return queue_charge_ - kQueueEntryCharge; }
  // What a queue that holds it is charged: footprint() and one entry. Worked out once, here.
  std::size_t queue_charge() const { return queue_charge_; }

  // A frame about to be shared by many queues is charged once, here, instead of to each queue;
  // the budget is uncharged when the last reference goes, on whichever thread that is.
  void charge_once(MemoryBudget& budget);
  bool charged_once() const { return budget_ != nullptr; }

  // When a published frame was published (send/delivery_latency.hpp); 0 for any other frame.
  std::uint32_t stamp() const { return stamp_; }
  void set_stamp(std::uint32_t stamp) { stamp_ = stamp & 0xFFFFFF; }

  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void retain(std::uint32_t n) { refs_.fetch_add(n, std::memory_order_relaxed); }
  void release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) free_block();
  }
  // The same with the usual freeing inline (a frame back to its thread's pool), for the write
  // path, which frees a frame per message.
  [[gnu::always_inline]] void release_inline() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (budget_) [[unlikely]]
      return free_block();
    const std::size_t bytes = sizeof(FrameBuffer) + size_;
    frame_pool::free(this, static_cast<std::uint8_t>(pool_class_), bytes);
  }

 private:
  FrameBuffer(std::size_t size, std::uint8_t pool_class, std::size_t occupies)
      : size_(static_cast<std::uint32_t>(size)),
        queue_charge_(static_cast<std::uint32_t>(occupies + kQueueEntryCharge)),
        pool_class_(pool_class) {}
  void free_block();  // the last reference went
  std::atomic<std::uint32_t> refs_{1};
  std::uint32_t size_;
  std::uint32_t queue_charge_;
  std::uint32_t pool_class_ : 8;    // where release() returns the block (send/frame_pool.hpp)
  std::uint32_t stamp_ : 24 = 0;    // in the bytes that would otherwise pad the block
  MemoryBudget* budget_ = nullptr;  // see charge_once()
};
static_assert(sizeof(FrameBuffer) == 24, "the header every frame carries stays three words");

class FrameRef {
 public:
  FrameRef() = default;
  explicit FrameRef(FrameBuffer* adopt) : p_(adopt) {}
  FrameRef(FrameRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  FrameRef& operator=(FrameRef&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  FrameRef(const FrameRef&) = delete;
  FrameRef& operator=(const FrameRef&) = delete;
  ~FrameRef() { reset(); }

  FrameRef share() const {
    if (p_) p_->retain();
    return FrameRef(p_);
  }
  void reset() {
    if (p_) std::exchange(p_, nullptr)->release();
  }
  FrameBuffer* release_ownership() { return std::exchange(p_, nullptr); }
  FrameBuffer* get() const { return p_; }
  std::size_t size() const { return p_ ? p_->size() : 0; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  FrameBuffer* p_ = nullptr;
};

// Encodes one unmasked (server-to-client) frame; `rsv` as in write_frame_header. The block comes
// back bare, with the one reference its caller adopts: a handle returned from a call that is not
// inlined lives in memory, and the inline paths that wrap it keep it in a register instead.
FrameBuffer* new_frame(Opcode opcode, std::string_view payload, bool fin = true, std::uint8_t rsv = 0);
inline FrameRef encode_frame(Opcode opcode, std::string_view payload, bool fin = true, std::uint8_t rsv = 0) {
  return FrameRef(new_frame(opcode, payload, fin, rsv));
}
// The same, inline, for the two common header sizes: a payload under 126 bytes (2 bytes) and one
// under 64 KiB (4 bytes).
inline FrameRef encode_short_frame(Opcode opcode, std::string_view payload) {
  FrameBuffer* f = FrameBuffer::allocate(2 + payload.size());
  std::uint8_t* out = f->data();
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
  out[1] = static_cast<std::uint8_t>(payload.size());
  if (!payload.empty()) std::memcpy(out + 2, payload.data(), payload.size());
  return FrameRef(f);
}
inline FrameRef encode_medium_frame(Opcode opcode, std::string_view payload) {
  FrameBuffer* f = FrameBuffer::allocate(4 + payload.size());
  std::uint8_t* out = f->data();
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));
  out[1] = 126;
  out[2] = static_cast<std::uint8_t>(payload.size() >> 8);
  out[3] = static_cast<std::uint8_t>(payload.size());
  std::memcpy(out + 4, payload.data(), payload.size());
  return FrameRef(f);
}
// Encodes one client-to-server frame, masked with a fresh key (RFC 6455 §5.3); bare as new_frame's.
FrameBuffer* new_masked_frame(Opcode opcode, std::string_view payload, bool fin = true, std::uint8_t rsv = 0);
inline FrameRef encode_masked_frame(Opcode opcode, std::string_view payload, bool fin = true,
                                    std::uint8_t rsv = 0) {
  return FrameRef(new_masked_frame(opcode, payload, fin, rsv));
}
// Wraps bytes that are not a frame (an HTTP response) so they travel the same send queue.
FrameRef raw_bytes(std::string_view bytes);
// The payload of an unmasked frame, without its header, in a block of its own (what a stream
// subscribed to a topic is sent).
FrameRef payload_of(const FrameBuffer& frame);

}  // namespace sluice::detail
