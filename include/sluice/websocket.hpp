// WebSocket and ClientWebSocket: the application's handles to one upgraded connection, accepted
// by a server or opened by a client. Each is a pointer-sized value; copy it freely while the
// connection lives. After on_close returns the handle is dangling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/close_code.hpp"
#include "sluice/loop.hpp"
#include "sluice/opcode.hpp"
#include "sluice/policy.hpp"
#include "sluice/send_status.hpp"
#include "sluice/stats.hpp"

namespace sluice {

namespace detail {
class Connection;
}

// What both ends of a WebSocket can do with it.
class BasicWebSocket {
 public:
  explicit BasicWebSocket(detail::Connection* c) : conn_(c) {}

  // Sends one message. Text must be valid UTF-8; the caller keeps ownership of `data`
  // (it is encoded into a frame before send returns).
  SendStatus send(std::string_view data, Opcode opcode = Opcode::binary);
  SendStatus send_text(std::string_view data) { return send(data, Opcode::text); }
  SendStatus ping(std::string_view data = {});

  // Starts the closing handshake (RFC 6455 §7.1.2). Reason is cut to fit a control frame.
  void close(std::uint16_t code = close_code::normal, std::string_view reason = {});

  // Bytes accepted by send() that the socket has not taken yet.
  std::size_t buffered_amount() const;
  // The memory those bytes hold, as max_buffered_bytes and low_watermark count it: each queued
  // message costs sluice::queued_message_cost(size), a little more than its size.
  std::size_t buffered_memory() const;
  bool is_open() const;
  ConnectionStats stats() const;
  // The peer's IP address as text ("127.0.0.1", "::1"); empty once the socket is closed.
  std::string remote_address() const;

  // Overrides the endpoint's (and, on a server, the topics') slow-consumer policy for this
  // connection.
  void set_policy(SlowConsumerPolicy policy);
  // This connection's own max_buffered_bytes (rounded up to KiB, at most 64 MiB - 1 KiB; 0: the
  // endpoint's again); its low watermark becomes at most a quarter of it.
  void set_max_buffered_bytes(std::size_t bytes);
  // SO_SNDBUF of this connection's socket: what the kernel may hold behind a stalled peer.
  void set_send_buffer(int bytes);

  void* user_data() const;
  void set_user_data(void* p);
  template <typename T>
  T* user() const {
    return static_cast<T*>(user_data());
  }
  // The loop this connection lives on (run work there from another thread).
  LoopHandle loop() const;

  bool operator==(const BasicWebSocket&) const = default;
  detail::Connection* connection() const { return conn_; }

 protected:
  detail::Connection* conn_;
};

// A connection the server accepted: it may also subscribe to topics and publish to them.
class WebSocket : public BasicWebSocket {
 public:
  using BasicWebSocket::BasicWebSocket;

  // Topics: publish() reaches every subscriber on every worker thread, encoded once.
  void subscribe(std::string_view topic);
  void unsubscribe(std::string_view topic);
  bool is_subscribed(std::string_view topic) const;
  // The outcome for the subscribers on this connection's thread (all of them with one thread).
  PublishResult publish(std::string_view topic, std::string_view data, Opcode opcode = Opcode::binary);
};

// A sluice::Client's connection: topics are a server's, so a client has none.
class ClientWebSocket : public BasicWebSocket {
 public:
  using BasicWebSocket::BasicWebSocket;
};

}  // namespace sluice
