// The public HttpStream handle's calls, forwarded to its Connection. Topics, a server's, are in
// server/topic_handles.cpp.
#include "sluice/http_stream.hpp"

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"

namespace sluice {

SendStatus HttpStream::send(std::string_view chunk) { return conn_->send_chunk(chunk); }
void HttpStream::end() { conn_->end_stream(); }
SendStatus HttpStream::respond(const HttpResponse& response) { return conn_->answer(response); }
std::size_t HttpStream::buffered_amount() const { return conn_->buffered_amount(); }
bool HttpStream::is_open() const { return conn_->is_streaming() || conn_->awaits_answer(); }
ConnectionStats HttpStream::stats() const { return conn_->stats(); }
std::string HttpStream::remote_address() const { return conn_->remote_address(); }
void HttpStream::set_policy(SlowConsumerPolicy policy) { conn_->set_policy(policy); }
void HttpStream::set_max_buffered_bytes(std::size_t bytes) { conn_->set_max_buffered_bytes(bytes); }
void HttpStream::set_send_buffer(int bytes) { conn_->set_send_buffer(bytes); }
void* HttpStream::user_data() const { return conn_->user_data(); }
void HttpStream::set_user_data(void* p) { conn_->set_user_data(p); }
LoopHandle HttpStream::loop() const { return LoopHandle(&conn_->endpoint().loop()); }

}  // namespace sluice
