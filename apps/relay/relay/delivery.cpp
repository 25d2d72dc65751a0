#include "relay/delivery.hpp"

namespace sluice::relay {

namespace {

bool delivered(SendStatus s) { return s == SendStatus::sent || s == SendStatus::queued; }

}  // namespace

bool send_message(WebSocket ws, Format format, const EnvelopeMessage& m, const CatchUpRoom& room) {
  if (format == Format::raw)
    return room.fits(ws, m.payload.size()) && delivered(ws.send(text_of(m.payload), m.opcode));
  const std::string json = envelope(m);
  return room.fits(ws, json.size()) && delivered(ws.send_text(json));
}

}  // namespace sluice::relay
