// The calls only a server's connections have: topics, for WebSocket and HttpStream handles. A
// handle is only ever made for a connection a Worker accepted, so its endpoint is that Worker.
#include "conn/connection.hpp"
#include "server/worker.hpp"
#include "sluice/http_stream.hpp"
#include "sluice/websocket.hpp"

namespace sluice {
namespace {

detail::Worker& worker_of(detail::Connection* c) { return static_cast<detail::Worker&>(c->endpoint()); }

}  // namespace

void WebSocket::subscribe(std::string_view topic) { worker_of(conn_).subscribe(*conn_, topic); }
void WebSocket::unsubscribe(std::string_view topic) { worker_of(conn_).topics().unsubscribe(*conn_, topic); }
bool WebSocket::is_subscribed(std::string_view topic) const {
  return worker_of(conn_).topics().is_subscribed(*conn_, topic);
}
PublishResult WebSocket::publish(std::string_view topic, std::string_view data, Opcode opcode) {
  return worker_of(conn_).core().publish(topic, data, opcode, std::nullopt);
}

void HttpStream::subscribe(std::string_view topic) { worker_of(conn_).subscribe(*conn_, topic); }
void HttpStream::unsubscribe(std::string_view topic) { worker_of(conn_).topics().unsubscribe(*conn_, topic); }

}  // namespace sluice
