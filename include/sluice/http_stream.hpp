// HttpStream: the application's handle to a streaming HTTP response (HttpResponse::stream()),
// such as Server-Sent Events. Its chunks go through the same send queue as a WebSocket's
// messages: counted, capped by max_buffered_bytes, governed by the slow-consumer policy, and
// flushed before the loop sleeps. A pointer-sized value, valid from on_open until on_close
// returns; use it on its loop's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "sluice/http.hpp"
#include "sluice/loop.hpp"
#include "sluice/policy.hpp"
#include "sluice/send_status.hpp"
#include "sluice/stats.hpp"

namespace sluice {

namespace detail {
class Connection;
}

class HttpStream {
 public:
  explicit HttpStream(detail::Connection* c) : conn_(c) {}

  // Writes `chunk` as it is (the stream has no framing of its own: an SSE event is the
  // application's text, "data: ...\n\n").
  SendStatus send(std::string_view chunk);
  // Ends the response: what is queued goes out, then the server closes the connection.
  void end();
  // For an answer given later (HttpResponse::later()): sends the whole response (status line,
  // headers, body) and ends the stream; on_close follows once this call has returned. Returns
  // `closed`, sending nothing, when called again or on an ordinary stream, whose head has
  // already gone out.
  SendStatus respond(const HttpResponse& response);

  std::size_t buffered_amount() const;
  bool is_open() const;  // not ended, and the client is still there
  ConnectionStats stats() const;
  std::string remote_address() const;
  void set_policy(SlowConsumerPolicy policy);
  void set_max_buffered_bytes(std::size_t bytes);  // as BasicWebSocket's
  void set_send_buffer(int bytes);

  // Topics: what is published to a topic reaches a stream subscribed to it as the published
  // bytes, unframed, encoded once per thread for every stream that subscribed.
  void subscribe(std::string_view topic);
  void unsubscribe(std::string_view topic);

  void* user_data() const;
  void set_user_data(void* p);
  template <typename T>
  T* user() const {
    return static_cast<T*>(user_data());
  }
  LoopHandle loop() const;

  bool operator==(const HttpStream&) const = default;

 private:
  detail::Connection* conn_;
};

// A streaming route's callbacks, all optional, on the loop thread that owns the connection.
struct StreamBehaviors {
  std::function<void(HttpStream)> on_open;   // the head is queued: send the first chunks here
  std::function<void(HttpStream)> on_drain;  // the queue fell below low_watermark again
  std::function<void(HttpStream)> on_close;  // ended by either side; the handle dangles after
  // Set: the server passes the stream's user data (HttpResponse::stream's) to it after on_close,
  // or at once when the stream does not start (a HEAD request), so it lives as long as the stream.
  void (*destroy_user_data)(void*) = nullptr;
};

}  // namespace sluice
