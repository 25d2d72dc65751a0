// permessage-deflate on a Connection (RFC 7692): what the upgrade agreed, compressing a message
// on its way out (with the endpoint's shared compressor when it starts afresh, else with the
// connection's own), and inflating one on its way in, never past max_message_size.
#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

void Connection::start_deflate(const DeflateSide& side) {
  outbox_.set_deflate(side.send_window_bits, side.send_no_context_takeover);
  assembler_.set_peer_starts_afresh(side.receive_no_context_takeover);
  parser_.allow_rsv(rsv_bit::compressed);
}

bool Connection::deflate_own_context() const {
  // Dedicated mode, and the peer agreed that our messages may refer back to earlier ones.
  return ep_.limits().compression == Compression::dedicated && !outbox_.deflate_no_context_takeover();
}

int Connection::shared_deflate_bits() const {
  const int bits = outbox_.deflate_window_bits();
  // zlib cannot keep to an 8-bit window: such a peer is sent nothing compressed.
  if (!deflate_negotiated() || bits < 9 || deflate_own_context()) return 0;
  return bits;
}

ConnectionDeflate& Connection::deflate_streams() {
  std::unique_ptr<ConnectionDeflate>& d = extras().deflate;
  if (!d) d = std::make_unique<ConnectionDeflate>();
  return *d;
}

FrameRef Connection::compress(Opcode opcode, std::string_view payload) {
  const int bits = outbox_.deflate_window_bits();
  if (bits < 9) return {};
  std::string& out = ep_.shared_deflate().compressed();
  if (deflate_own_context()) {
    ConnectionDeflate& d = deflate_streams();
    if (!d.deflater) d.deflater = std::make_unique<Deflater>(ep_, bits);
    if (!d.deflater->compress(payload, out, true)) return {};
  } else {
    if (!ep_.shared_deflate().deflater(bits).compress(payload, out, false)) return {};
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
  SharedDeflate& shared = ep_.shared_deflate();
  Inflater* inflater = &shared.inflater();
  const bool keep = !assembler_.peer_starts_afresh();
  if (keep) {
    ConnectionDeflate& d = deflate_streams();
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
