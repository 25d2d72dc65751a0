// RawClient: a deliberately dumb WebSocket client over a real loopback TCP socket. It sends
// exactly the bytes a test builds (valid or not) and reads the server's answer with timeouts,
// so a test can say precisely what went over the wire and what came back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice_test {

using std::chrono::milliseconds;

// Upper bound for any single wait in the suite; a test never blocks longer than this.
inline constexpr milliseconds kWait{3000};

// The RFC 6455 §1.3 sample key and the accept value it must produce.
inline constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

namespace op {
inline constexpr std::uint8_t continuation = 0x0;
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace op

// How the payload length is written in a hand-built frame.
enum class LengthForm { minimal, len16, len64 };

struct FrameSpec {
  std::uint8_t opcode = op::text;
  std::string payload;
  bool fin = true;
  std::uint8_t rsv = 0;  // the three RSV bits, 0..7
  bool masked = true;
  LengthForm form = LengthForm::minimal;
  std::optional<std::uint64_t> declared_length;  // written instead of payload.size()
};

// Encodes a client frame, masking the payload with a fixed non-zero key when `masked`.
std::string encode_frame(const FrameSpec& spec);
std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true);
// A close frame body: big-endian code then reason.
std::string close_body(std::uint16_t code, std::string_view reason = {});

// A complete upgrade request for `path` with `extra` header lines (each ending in CRLF).
std::string upgrade_request(std::string_view path = "/", std::string_view extra = {},
                            std::string_view key = kSampleKey);

struct HttpReply {
  int status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // First value of a header, matched case-insensitively; nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

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

enum class ReadStatus { ok, timeout, eof, error };

class RawClient {
 public:
  // Connects to 127.0.0.1:port. A non-zero rcvbuf is set as SO_RCVBUF before connecting.
  explicit RawClient(std::uint16_t port, int rcvbuf = 0);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Writes every byte or returns false (error, or the peer stopped reading for `timeout`).
  bool send_raw(std::string_view bytes, milliseconds timeout = kWait);
  bool send_frame(const FrameSpec& spec) { return send_raw(encode_frame(spec)); }
  bool send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    return send_raw(frame(opcode, payload, fin));
  }

  // Reads one HTTP response head (and its Content-Length body unless `head_only`).
  std::optional<HttpReply> read_http(milliseconds timeout = kWait, bool head_only = false);
  // Sends upgrade_request(path, extra) and reads the reply; true if it is a 101.
  bool handshake(std::string_view path = "/", std::string_view extra = {}, HttpReply* reply = nullptr);

  // Reads one server frame; `status` tells why there is none.
  std::optional<Frame> read_frame(milliseconds timeout = kWait, ReadStatus* status = nullptr);
  // Reads until the peer closes. ok: clean EOF with no byte before it; error: bytes arrived
  // first (counted in *extra_bytes) or the connection was reset; timeout: still open.
  ReadStatus wait_eof(milliseconds timeout = kWait, std::size_t* extra_bytes = nullptr);
  // Reads and discards until EOF or reset, or until `timeout`; true on EOF or reset.
  bool drain_until_closed(milliseconds timeout = kWait);

  void shutdown_write();
  void close();

 private:
  // Appends what arrives before `deadline` to buf_; ok when something was read.
  ReadStatus fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buf_;  // received, not yet consumed
};

}  // namespace sluice_test
