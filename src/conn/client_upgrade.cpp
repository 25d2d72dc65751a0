// The client side of a Connection before it opens: connect, send the upgrade request, check the
// server's 101 (RFC 6455 §4.1), then hand over to the shared open-state code.
#include <cstring>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "http/client_handshake.hpp"
#include "log.hpp"
#include "net/socket.hpp"

namespace sluice::detail {

void Connection::start_client(std::unique_ptr<ClientHandshake> hs) {
  client_hs_ = hs.release();
  has_http_ = true;
  state_ = ConnState::connecting;
  EventLoop& loop = ep_.loop();
  last_heard_ = now32();
  loop.watch(fd_.get(), this, false, true);
  set(kWriteArmed, true);
  loop.schedule(this, ep_.limits().connect_timeout);
}

void Connection::on_connected() {
  if (int err = pending_error(fd_.get()))
    return fail_open(std::string("connect failed: ") + std::strerror(err));
  state_ = ConnState::handshaking;
  ep_.loop().schedule(this, ep_.limits().handshake_timeout);
  push(raw_bytes(client_hs_->request), SendQueue::kRawTag);
  set(kWriteArmed, false);  // flush arms EPOLLOUT again only if the request does not fit
  ep_.loop().rewatch(fd_.get(), this, true, false);
  flush();
}

void Connection::on_handshake_response(std::span<std::uint8_t> in) {
  RequestParser::Result r = client_hs_->response.feed(in);
  if (r.status == RequestParser::Status::need_more) return;
  if (r.status == RequestParser::Status::error)
    return fail_open(std::string("malformed response: ") + r.reason);
  std::string subprotocol;
  std::string why =
      check_server_response(client_hs_->response.head(), client_hs_->key, client_hs_->offered, subprotocol);
  if (!why.empty()) return fail_open(why);
  drop_handshake();
  state_ = ConnState::open;
  upgraded_ = true;
  ep_.counters().connections_open.add(1);
  schedule_timer();
  if (ep_.behaviors().on_open) ep_.behaviors().on_open(WebSocket(this));
  // Frames the server sent right behind its response arrived in the same read.
  if (state_ == ConnState::open && r.consumed < in.size()) on_frame_bytes(in.subspan(r.consumed));
}

void Connection::fail_open(std::string_view why) {
  log(LogLevel::info, "WebSocket connection not opened: {}", why);  // on_error tells the application
  ep_.on_open_failed(this, why);
  abort(nullptr);
}

}  // namespace sluice::detail
