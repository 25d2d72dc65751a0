#include "ws/message_assembler.hpp"

#include <cstdlib>
#include <cstring>

#include "mem/footprint.hpp"
#include "mem/large_block.hpp"

namespace sluice::detail {
namespace {
using Event = MessageAssembler::Event;
Event error(ProtocolError e) { return {Event::Kind::error, Opcode::binary, {}, e}; }
std::string_view view(const std::uint8_t* p, std::size_t n) { return {reinterpret_cast<const char*>(p), n}; }
}  // namespace

MessageAssembler::Gather::~Gather() { free_data(); }

void MessageAssembler::Gather::free_data() {
  if (capacity >= mem::kLargeBlock) {
    mem::unmap_block(data, capacity);
  } else {
    std::free(data);
  }
  data = nullptr;
  size = capacity = 0;
}

std::size_t MessageAssembler::data_footprint(std::uint32_t capacity) {
  if (capacity == 0) return 0;
  return capacity >= mem::kLargeBlock ? mem::page_footprint(capacity) : mem::malloc_footprint(capacity);
}

std::size_t MessageAssembler::held_bytes() const {
  if (!gather_) return 0;
  return mem::malloc_footprint(sizeof(Gather)) + data_footprint(gather_->capacity);
}

MessageAssembler::Gather* MessageAssembler::gather() {
  if (!gather_) {
    const std::size_t bytes = mem::malloc_footprint(sizeof(Gather));
    if (!limits_->account->try_charge(bytes, bytes)) return nullptr;
    gather_ = std::make_unique<Gather>();
  }
  return gather_.get();
}

void MessageAssembler::drop_gathered() {
  if (!gather_) return;
  limits_->account->uncharge(held_bytes());
  gather_.reset();
}

Event MessageAssembler::on_header(const FrameHeader& h) {
  frame_started_ = false;
  if (h.is_control()) return {};
  if (h.opcode == Opcode::continuation) {
    if (!in_message_) return error(ProtocolError::unexpected_continuation);
  } else {
    if (in_message_) return error(ProtocolError::expected_continuation);
    in_message_ = true;
    message_opcode_ = h.opcode;
    compressed_ = (h.rsv & rsv_bit::compressed) != 0;
    message_size_ = 0;
    utf8_.reset();
  }
  if (h.payload_length > limits_->max_message_size - message_size_)
    return error(ProtocolError::message_too_big);
  return {};
}

bool MessageAssembler::append(std::span<const std::uint8_t> chunk) {
  Gather* g = gather();
  if (!g) return false;
  std::uint32_t need = g->size + static_cast<std::uint32_t>(chunk.size());
  if (need > g->capacity) {
    // Grow with what has arrived (never with what a header merely claims), doubling.
    const std::uint32_t max = limits_->max_message_size;
    if (!grow(std::max<std::uint32_t>(need, g->capacity > max / 2 ? max : g->capacity * 2))) return false;
  }
  if (!chunk.empty()) std::memcpy(g->data + g->size, chunk.data(), chunk.size());
  g->size = need;
  return true;
}

bool MessageAssembler::grow(std::uint32_t capacity) {
  Gather& g = *gather_;
  const std::size_t more = data_footprint(capacity) - data_footprint(g.capacity);
  if (!limits_->account->try_charge(more, held_bytes() + more)) return false;
  void* p = nullptr;
  if (capacity < mem::kLargeBlock) {
    p = std::realloc(g.data, capacity);
  } else if (g.capacity >= mem::kLargeBlock) {
    p = mem::remap_block(g.data, g.capacity, capacity);
  } else if ((p = mem::map_block(capacity))) {  // from the heap to its own mapping
    if (g.size > 0) std::memcpy(p, g.data, g.size);
    std::free(g.data);
  }
  if (!p) {
    limits_->account->uncharge(more);
    return false;
  }
  g.data = static_cast<std::uint8_t*>(p);
  g.capacity = capacity;
  return true;
}

Event MessageAssembler::on_payload(std::span<std::uint8_t> chunk, bool frame_end, const FrameHeader& h) {
  if (h.is_control()) return on_control_payload(chunk, frame_end, h);

  const bool check_text = message_opcode_ == Opcode::text && !compressed_;
  if (check_text && !utf8_.feed(chunk.data(), chunk.size())) return error(ProtocolError::invalid_utf8);
  bool whole_frame_here = !frame_started_ && frame_end;
  frame_started_ = true;
  message_size_ += static_cast<std::uint32_t>(chunk.size());
  bool message_end = frame_end && h.fin;
  if (message_end && check_text && !utf8_.complete()) return error(ProtocolError::invalid_utf8);

  if (message_end && whole_frame_here && (!gather_ || gather_->size == 0)) {
    in_message_ = false;  // the common case: one frame, one read, no copy
    return {Event::Kind::message, message_opcode_, view(chunk.data(), chunk.size()), ProtocolError::none,
            compressed_};
  }
  if (!append(chunk)) return error(ProtocolError::over_memory_budget);
  if (!message_end) return {};
  in_message_ = false;
  return {Event::Kind::message, message_opcode_, view(gather_->data, gather_->size), ProtocolError::none,
          compressed_};
}

Event MessageAssembler::on_frame_general(const FrameHeader& h, std::span<std::uint8_t> payload) {
  if (h.is_control()) return {Event::Kind::control, h.opcode, view(payload.data(), payload.size())};
  Event e = on_header(h);
  if (e.kind != Event::Kind::none) return e;
  return on_payload(payload, true, h);
}

Event MessageAssembler::on_control_payload(std::span<std::uint8_t> chunk, bool frame_end,
                                           const FrameHeader& h) {
  bool whole_frame_here = !frame_started_ && frame_end;
  frame_started_ = true;
  if (whole_frame_here) return {Event::Kind::control, h.opcode, view(chunk.data(), chunk.size())};
  Gather* gp = gather();
  if (!gp) return error(ProtocolError::over_memory_budget);
  Gather& g = *gp;
  std::memcpy(g.control + g.control_size, chunk.data(), chunk.size());  // <= 125 in all
  g.control_size = static_cast<std::uint8_t>(g.control_size + chunk.size());
  if (!frame_end) return {};
  g.control_complete = true;
  return {Event::Kind::control, h.opcode, view(g.control, g.control_size)};
}

void MessageAssembler::release_gathered() {
  Gather& g = *gather_;
  if (!in_message_ && g.data) {
    limits_->account->uncharge(data_footprint(g.capacity));
    g.free_data();
  }
  if (g.control_complete) g.control_size = 0, g.control_complete = false;
  if (!g.data && g.control_size == 0) drop_gathered();
}

}  // namespace sluice::detail
