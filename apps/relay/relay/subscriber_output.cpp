#include "relay/subscriber_output.hpp"

#include <string>

namespace sluice::relay {

namespace {

bool delivered(SendStatus s) { return s == SendStatus::sent || s == SendStatus::queued; }

}  // namespace

std::size_t SubscriberOutput::queued() const {
  if (const auto* ws = std::get_if<WebSocket>(&to_)) return ws->buffered_memory();
  return std::get<HttpStream>(to_).buffered_amount();
}

bool SubscriberOutput::message(std::string_view topic, const HistoryEntry& e, const CatchUpRoom& room) {
  const EnvelopeMessage m{topic, e.seq(), e.time(), e.opcode(), e.payload()};
  if (auto* ws = std::get_if<WebSocket>(&to_)) {
    if (format_ == Format::raw) {
      const std::string_view data(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
      return room.fits(queued(), data.size()) && delivered(ws->send(data, m.opcode));
    }
    const std::string json = envelope(m);
    return room.fits(queued(), json.size()) && delivered(ws->send_text(json));
  }
  const std::string event = sse_message(m, format_, topic_in_id_);
  return room.fits(queued(), event.size()) && delivered(std::get<HttpStream>(to_).send(event));
}

}  // namespace sluice::relay
