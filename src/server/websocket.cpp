// WebSocket: the public handle's calls, forwarded to its Connection.
#include "sluice/websocket.hpp"

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "send/frame_buffer.hpp"

namespace sluice {

SendStatus WebSocket::send(std::string_view data, Opcode opcode) { return conn_->send(data, opcode); }
SendStatus WebSocket::ping(std::string_view data) { return conn_->ping(data); }
void WebSocket::close(std::uint16_t code, std::string_view reason) { conn_->close(code, reason); }
std::size_t WebSocket::buffered_amount() const { return conn_->buffered_amount(); }
std::size_t WebSocket::buffered_memory() const { return conn_->buffered_memory(); }
bool WebSocket::is_open() const { return conn_->is_open(); }
std::string WebSocket::remote_address() const { return conn_->remote_address(); }
void* WebSocket::user_data() const { return conn_->user_data(); }
void WebSocket::set_user_data(void* p) { conn_->set_user_data(p); }
ConnectionStats WebSocket::stats() const { return conn_->stats(); }
void WebSocket::subscribe(std::string_view topic) { conn_->endpoint().subscribe(*conn_, topic); }
void WebSocket::unsubscribe(std::string_view topic) { conn_->endpoint().unsubscribe(*conn_, topic); }
bool WebSocket::is_subscribed(std::string_view topic) const {
  return conn_->endpoint().is_subscribed(*conn_, topic);
}
void WebSocket::set_policy(SlowConsumerPolicy policy) { conn_->set_policy(policy); }
PublishResult WebSocket::publish(std::string_view topic, std::string_view data, Opcode opcode) {
  return conn_->endpoint().publish(topic, data, opcode);
}

}  // namespace sluice
