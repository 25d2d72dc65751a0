// permessage-deflate on a Connection (RFC 7692): what the upgrade agreed, compressing a message
// on its way out (with the endpoint's shared compressor when it starts afresh, else with the
// connection's own), and inflating one on its way in, never past max_message_size.
#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

void Connection::start_deflate(const DeflateSide& side) {
  auto d = std::make_unique<ConnectionDeflate>();
  d->side = side;
  d->mode = ep_.limits().compression;
  extras().deflate = std::move(d);
  parser_.allow_rsv(rsv_bit::compressed);
}

int Connection::shared_deflate_bits() const {
  const Extras* e = phase_.get<Extras>();
  if (!e || !e->deflate || !e->deflate->compresses() || e->deflate->own_context()) return 0;
  return e->deflate->side.send_window_bits;
}

FrameRef Connection::compress(Opcode opcode, std::string_view payload) {
  ConnectionDeflate& d = *extras().deflate;
  if (!d.compresses()) return {};
  std::string& out = ep_.shared_deflate().compressed();
  if (d.own_context()) {
    if (!d.deflater) d.deflater = std::make_unique<Deflater>(ep_, d.side.send_window_bits);
    if (!d.deflater->compress(payload, out, true)) return {};
  } else {
    if (!ep_.shared_deflate().deflater(d.side.send_window_bits).compress(payload, out, false)) return {};
    // Starting afresh, a message that did not shrink may as well go as it is.
    if (out.size() >= payload.size()) return {};
  }
  if (ep_.role() == Role::client) return encode_masked_frame(opcode, out, true, rsv_bit::compressed);
  return encode_frame(opcode, out, true, rsv_bit::compressed);
}

SendStatus Connection::publish_compressed(std::string_view payload, Opcode opcode, std::uint32_t tag,
                                          std::optional<SlowConsumerPolicy> topic_policy) {
  if (!session_.is_open()) return SendStatus::closed;
  FrameRef frame = compress(opcode, payload);
  if (!frame) frame = encode(opcode, payload);
  return publish(std::move(frame), tag, topic_policy);
}

bool Connection::on_compressed_message(Opcode opcode, std::string_view data) {
  ConnectionDeflate& d = *extras().deflate;
  SharedDeflate& shared = ep_.shared_deflate();
  Inflater* inflater = &shared.inflater();
  const bool keep = !d.side.receive_no_context_takeover;
  if (keep) {
    if (!d.inflater) d.inflater = std::make_unique<Inflater>(ep_);
    inflater = d.inflater.get();
  }
  std::string& out = shared.inflated();
  const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  switch (inflater->inflate(bytes, out, ep_.assembly_limits().max_message_size, keep)) {
    case Inflater::Result::ok: break;
    case Inflater::Result::too_big: return refuse_inflated(ProtocolError::message_too_big);
    case Inflater::Result::error: return refuse_inflated(ProtocolError::bad_compressed_data);
  }
  if (opcode == Opcode::text && !is_valid_utf8(out)) return refuse_inflated(ProtocolError::invalid_utf8);
  if (const Behaviors& b = ep_.behaviors(behaviors_set_); b.on_message)
    b.on_message(WebSocket(this), out, opcode);
  shared.trim();
  return true;
}

bool Connection::refuse_inflated(ProtocolError e) {
  ep_.shared_deflate().trim();
  fail(e);
  return false;
}

}  // namespace sluice::detail
