// Client: a WebSocket connection out to a ws:// or wss:// URL, on a Loop, with the same callbacks,
// send statuses, caps and slow-consumer policies as the server side, and optional reconnection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/limits.hpp"
#include "sluice/loop.hpp"
#include "sluice/opcode.hpp"
#include "sluice/policy.hpp"
#include "sluice/send_status.hpp"
#include "sluice/stats.hpp"
#include "sluice/tls.hpp"
#include "sluice/websocket.hpp"

namespace sluice {

struct ReconnectOptions {
  bool enabled = false;
  // Delay before attempt n: uniformly random in [0, min(max_delay, initial_delay * 2^(n-1))]
  // ("full jitter"), so a crowd of clients does not reconnect in step.
  std::chrono::milliseconds initial_delay{250};
  std::chrono::milliseconds max_delay{30'000};
  unsigned max_attempts = 0;  // consecutive failed attempts before giving up; 0: never give up
};

// What send() does while the client is not connected.
enum class OfflineSends : std::uint8_t {
  fail,  // SendStatus::closed
  hold,  // keep up to max_held_bytes, send them once (re)connected; beyond that: dropped
};

// The connection limits every WebSocket has (sluice/limits.hpp), and what only a client has.
// A client's default policy is `backpressure`: its application is usually the only producer.
struct ClientOptions : ConnectionLimits {
  ClientOptions() { policy = SlowConsumerPolicy::backpressure; }

  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::vector<std::string> subprotocols;                     // offered, in order of preference
  std::string origin;
  std::chrono::milliseconds connect_timeout{10'000};
  // wss:// only: whom to trust (a CA file, or the system's store) and the name to check. The
  // server's certificate is always verified, and its name (or IP address) checked; a failure is
  // reported through on_error ("TLS handshake failed: certificate verify failed: ...").
  ClientTlsOptions tls;

  ReconnectOptions reconnect;
  OfflineSends offline = OfflineSends::fail;
  std::size_t max_held_bytes = 1024 * 1024;
};

struct ClientBehaviors {
  std::function<void(ClientWebSocket)> on_open;  // every time the connection opens
  // After a reconnect opened (right after on_open, before held messages go out): the place to
  // subscribe again or resend state. `attempts` counts the tries it took.
  std::function<void(ClientWebSocket, unsigned attempts)> on_reconnect;
  std::function<void(ClientWebSocket, std::string_view data, Opcode opcode)> on_message;
  std::function<void(ClientWebSocket)> on_drain;
  std::function<void(ClientWebSocket, std::uint16_t code, std::string_view reason)> on_close;
  // A connection attempt failed (resolve, connect, handshake), with a one-line reason.
  std::function<void(std::string_view error)> on_error;
  // Reconnection stopped: disabled, closed by the application, or max_attempts reached.
  std::function<void()> on_stopped;
};

class Client {
 public:
  // Throws std::invalid_argument for a URL that is not ws:// or wss://host[:port][/path][?query],
  // and std::runtime_error when a wss:// URL's CA file cannot be loaded.
  Client(Loop& loop, std::string url, ClientOptions options, ClientBehaviors behaviors);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void connect();  // loop thread, or before Loop::run
  SendStatus send(std::string_view data, Opcode opcode = Opcode::binary);
  SendStatus send_text(std::string_view data) { return send(data, Opcode::text); }
  // Closes for good: no reconnection afterwards; held messages are discarded.
  void close(std::uint16_t code = close_code::normal, std::string_view reason = {});

  bool is_open() const;
  std::size_t buffered_amount() const;
  std::size_t held_bytes() const;
  ConnectionStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
