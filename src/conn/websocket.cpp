// The public handles' common calls, forwarded to their Connection. What only a server's
// connections can do (topics) is in server/server_websocket.cpp.
#include "sluice/websocket.hpp"

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"

namespace sluice {

SendStatus BasicWebSocket::send(std::string_view data, Opcode opcode) { return conn_->send(data, opcode); }
SendStatus BasicWebSocket::ping(std::string_view data) { return conn_->ping(data); }
void BasicWebSocket::close(std::uint16_t code, std::string_view reason) { conn_->close(code, reason); }
std::size_t BasicWebSocket::buffered_amount() const { return conn_->buffered_amount(); }
std::size_t BasicWebSocket::buffered_memory() const { return conn_->buffered_memory(); }
bool BasicWebSocket::is_open() const { return conn_->is_open(); }
std::string BasicWebSocket::remote_address() const { return conn_->remote_address(); }
void* BasicWebSocket::user_data() const { return conn_->user_data(); }
void BasicWebSocket::set_user_data(void* p) { conn_->set_user_data(p); }
ConnectionStats BasicWebSocket::stats() const { return conn_->stats(); }
void BasicWebSocket::set_policy(SlowConsumerPolicy policy) { conn_->set_policy(policy); }
void BasicWebSocket::set_max_buffered_bytes(std::size_t bytes) { conn_->set_max_buffered_bytes(bytes); }
void BasicWebSocket::set_send_buffer(int bytes) { conn_->set_send_buffer(bytes); }
LoopHandle BasicWebSocket::loop() const { return LoopHandle(&conn_->endpoint().loop()); }

}  // namespace sluice
