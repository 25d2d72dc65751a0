// WsClient: a small raw WebSocket client over a real loopback socket for the send-path tests.
// It does the opening handshake, sends masked frames and reads the server's frames from one
// fixed receive buffer (allocated once, so a reading thread allocates nothing per frame).
// Every wait is bounded by poll() with a timeout; nothing here can block a test forever.
// A "stalled" client sets a small SO_RCVBUF before connecting and then never reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_sp {

using std::chrono::milliseconds;

// Upper bound for a single wait in the suite (against hangs only, never a speed assertion).
inline constexpr milliseconds kWait{5000};

namespace op {
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace op

enum class Read { ok, timeout, eof, error };
const char* to_string(Read r);

struct Frame {
  std::uint8_t opcode = 0;
  std::string payload;
  std::uint16_t close_code() const;  // 0 when a close frame has no body
  std::string close_reason() const;
};

// The number of bytes a server (unmasked) frame with `payload` bytes takes on the wire.
constexpr std::size_t wire_size(std::size_t payload) {
  return payload + (payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10);
}

// A client frame: FIN set, masked with a fixed key.
std::string client_frame(std::uint8_t opcode, std::string_view payload);

class WsClient {
 public:
  // Connects to 127.0.0.1:port; a non-zero `rcvbuf` is set as SO_RCVBUF before connect().
  explicit WsClient(std::uint16_t port, int rcvbuf = 0, std::size_t buffer_bytes = 256 * 1024);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Sends the upgrade request for `path` and reads the 101 response; true on success.
  bool handshake(std::string_view path = "/");
  // Writes all bytes, waiting at most `timeout` for the socket to take more; false otherwise.
  bool send_raw(std::string_view bytes, milliseconds timeout = kWait);
  bool send_frame(std::uint8_t opcode, std::string_view payload, milliseconds timeout = kWait) {
    return send_raw(client_frame(opcode, payload), timeout);
  }
  // Writes as much of `bytes` as the socket takes right now; returns how many (0 when full).
  std::size_t send_some(std::string_view bytes);

  // Reads one frame (waiting at most `timeout` for it).
  std::optional<Frame> read_frame(milliseconds timeout = kWait, Read* status = nullptr);

  // Calls fn(opcode, payload) for each frame as it completes until fn returns false or nothing
  // arrives for `idle_timeout`. The payload view is valid only during the call.
  template <typename Fn>
  Read read_frames(milliseconds idle_timeout, Fn&& fn) {
    for (;;) {
      std::uint8_t opcode = 0;
      std::string_view payload;
      while (next_frame(opcode, payload)) {
        if (!fn(opcode, payload)) return Read::ok;
      }
      Read r = fill(idle_timeout);
      if (r != Read::ok) return r;
    }
  }

  // Reads and discards until EOF or reset; ok when the peer ended the connection within
  // `timeout`. Counts the discarded bytes and remembers the last complete frame's opcode.
  Read drain_until_closed(milliseconds timeout, std::size_t* bytes = nullptr,
                          std::optional<Frame>* last_close = nullptr);

  std::uint64_t bytes_received() const { return bytes_received_; }
  void close();

 private:
  // Parses one complete frame from the buffer, if there is one.
  bool next_frame(std::uint8_t& opcode, std::string_view& payload);
  Read fill(milliseconds timeout);

  int fd_ = -1;
  std::vector<char> buf_;
  std::size_t begin_ = 0;  // first unparsed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::uint64_t bytes_received_ = 0;
};

}  // namespace sluice_sp
