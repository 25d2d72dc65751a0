// RawClient: a deliberately dumb WebSocket client over a real loopback socket. It sends exactly
// the bytes a test builds (valid or not, see wire.hpp) and reads the server's HTTP reply and
// frames with bounded waits, so a test can say precisely what went over the wire and what came
// back. Frames are parsed in place from one receive buffer: read_frames() hands out views and
// allocates nothing per frame. A "stalled" client sets a small SO_RCVBUF and never reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "deadline.hpp"
#include "frame_header.hpp"
#include "http_reply.hpp"
#include "raw_socket.hpp"
#include "receive_buffer.hpp"
#include "wire.hpp"

namespace sluice_test {

// One frame as the server sent it, payload unmasked.
struct Frame {
  bool fin = false;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = 0;
  bool masked = false;
  std::string payload;
  // For close frames: the code (0 when the body is empty) and the reason.
  std::uint16_t close_code() const;
  std::string close_reason() const;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port (see RawSocket::connect_loopback); `buffer_bytes` is the receive
  // buffer allocated up front.
  explicit RawClient(std::uint16_t port, int rcvbuf = 0, std::size_t buffer_bytes = 256 * 1024);
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return socket_.valid(); }
  int fd() const { return socket_.fd(); }

  bool send_raw(std::string_view bytes, milliseconds timeout = kWait) {
    return socket_.send_all(bytes, timeout);
  }
  bool send_frame(const FrameSpec& spec) { return send_raw(encode_frame(spec)); }
  bool send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    return send_raw(frame(opcode, payload, fin));
  }
  // Writes as much of `bytes` as the socket takes right now; returns how many (0 when full).
  std::size_t send_some(std::string_view bytes) { return socket_.send_some(bytes); }

  // Reads one HTTP reply head (and its Content-Length body unless `head_only`).
  std::optional<HttpReply> read_http(milliseconds timeout = kWait, bool head_only = false);
  // Sends upgrade_request(path, extra) and reads the reply; true if it is "HTTP/1.1 101".
  // Frames that follow the reply stay buffered for read_frame().
  bool handshake(std::string_view path = "/", std::string_view extra = {}, HttpReply* reply = nullptr);

  // Reads one server frame; `status` tells why there is none.
  std::optional<Frame> read_frame(milliseconds timeout = kWait, ReadStatus* status = nullptr);

  // Calls fn(opcode, payload) for each frame as it completes until fn returns false (ok) or
  // nothing arrives for `idle_timeout`. The payload view is valid only during the call.
  template <typename Fn>
  ReadStatus read_frames(milliseconds idle_timeout, Fn&& fn) {
    for (;;) {
      FrameView f;
      Parse p;
      while ((p = next_frame(f)) == Parse::frame) {
        if (!fn(f.header.opcode, f.payload)) return ReadStatus::ok;
      }
      if (p == Parse::invalid) return ReadStatus::error;
      ReadStatus r = buffer_.fill(socket_, Clock::now() + idle_timeout);
      if (r != ReadStatus::ok) return r;
    }
  }

  // Reads until the peer closes. ok: clean EOF with no byte before it; error: bytes arrived
  // first (counted in *extra_bytes); reset: the connection was reset; timeout: still open.
  ReadStatus wait_eof(milliseconds timeout = kWait, std::size_t* extra_bytes = nullptr);
  // Reads and discards until EOF or reset: then ok; timeout while still open; error when the
  // socket failed otherwise (or never connected). Counts the discarded bytes, buffered ones
  // included, in *bytes and keeps the last complete close frame in *last_close.
  ReadStatus drain_until_closed(milliseconds timeout = kWait, std::size_t* bytes = nullptr,
                                std::optional<Frame>* last_close = nullptr);

  // Every byte received so far, the HTTP reply included.
  std::uint64_t bytes_received() const { return buffer_.received(); }

  void shutdown_write() { socket_.shutdown_write(); }
  void close() { socket_.close(); }

 private:
  struct FrameView {
    FrameHeader header;
    std::string_view payload;
  };
  // invalid: a length no test sends (over 64 MiB), i.e. the bytes are not frames.
  enum class Parse { frame, incomplete, invalid };
  Parse next_frame(FrameView& out);
  static Frame to_frame(const FrameView& f);

  RawSocket socket_;
  ReceiveBuffer buffer_;
};

}  // namespace sluice_test
