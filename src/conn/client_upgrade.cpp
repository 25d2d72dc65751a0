// The client side of a Connection before it opens: connect, send the upgrade request, check the
// server's 101 (RFC 6455 §4.1) with the ClientHandshake part, then hand over to the shared
// open-state code.
#include <cstring>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "conn/server_handshake.hpp"  // complete, for phase_: it may hold either handshake
#include "http/client_handshake.hpp"
#include "log.hpp"
#include "net/socket.hpp"

namespace sluice::detail {

void Connection::start_client(std::unique_ptr<ClientHandshake> hs) {
  phase_.adopt(hs.release());
  session_.begin_connecting();
  last_heard_ = phase_since_ = now32();
  if (int err = ep_.loop().watch(transport_.fd(), this, false, true))
    return fail_open(std::string("cannot watch the socket: ") + std::strerror(err));
  outbox_.set(Outbox::write_armed, true);
  schedule_timer();
}

void Connection::on_connected() {
  if (int err = pending_error(transport_.fd()))
    return fail_open(std::string("connect failed: ") + std::strerror(err));
  enter(ConnState::handshaking);  // handshake_timeout from here covers TLS and HTTP
  push(raw_bytes(phase_.get<ClientHandshake>()->request), SendQueue::kRawTag);
  outbox_.set(Outbox::write_armed,
              false);  // the flush waits for writability again only if the request does not fit
  if (transport_.secure()) {
    // The request waits in the queue until the TLS handshake this starts is done; the flush
    // registers what the handshake waits for.
    if (!transport_.start_handshake()) return fail_open(transport_.failure());
  } else {
    ep_.loop().rewatch(transport_.fd(), this, true, false);
  }
  flush();
}

void Connection::on_handshake_response(std::span<std::uint8_t> in) {
  ClientHandshake::Step step = phase_.get<ClientHandshake>()->feed(in);
  switch (step.kind) {
    case ClientHandshake::Step::Kind::need_more: return;
    case ClientHandshake::Step::Kind::failed: return fail_open(step.why);
    case ClientHandshake::Step::Kind::upgraded: break;
  }
  drop_handshake();
  if (step.deflate) start_deflate(DeflateSide::client(*step.deflate));
  session_.opened();
  ep_.counters().connections_open.add(1);
  schedule_timer();
  if (const Behaviors& b = ep_.behaviors(behaviors_set_); b.on_open) b.on_open(WebSocket(this));
  // Frames the server sent right behind its response arrived in the same read.
  if (session_.is_open() && step.consumed < in.size()) on_frame_bytes(in.subspan(step.consumed));
}

void Connection::fail_open(std::string_view why) {
  log(LogLevel::info, "WebSocket connection not opened: {}", why);  // on_error tells the application
  ep_.on_open_failed(this, why);
  abort(nullptr);
}

}  // namespace sluice::detail
