#include "ws_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice_sp {
namespace {

constexpr std::uint8_t kMaskKey[4] = {0x37, 0xfa, 0x21, 0x3d};

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

const char* to_string(Read r) {
  switch (r) {
    case Read::ok: return "ok";
    case Read::timeout: return "timeout";
    case Read::eof: return "eof";
    case Read::error: return "error";
  }
  return "?";
}

std::uint16_t Frame::close_code() const {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                    static_cast<std::uint8_t>(payload[1]));
}

std::string Frame::close_reason() const { return payload.size() > 2 ? payload.substr(2) : std::string(); }

std::string client_frame(std::uint8_t opcode, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>(0x80 | opcode));
  std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  for (std::uint8_t k : kMaskKey) out.push_back(static_cast<char>(k));
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ kMaskKey[i % 4]));
  return out;
}

WsClient::WsClient(std::uint16_t port, int rcvbuf, std::size_t buffer_bytes) : buf_(buffer_bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  fd_ = fd;
}

WsClient::~WsClient() { close(); }

void WsClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool WsClient::handshake(std::string_view path) {
  std::string req = "GET " + std::string(path) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!send_raw(req)) return false;
  auto deadline = std::chrono::steady_clock::now() + kWait;
  for (;;) {
    std::string_view have(buf_.data() + begin_, end_ - begin_);
    std::size_t head_end = have.find("\r\n\r\n");
    if (head_end != std::string_view::npos) {
      bool ok = have.starts_with("HTTP/1.1 101");
      begin_ += head_end + 4;  // frames that follow the response stay in the buffer
      return ok;
    }
    if (fill(milliseconds(remaining_ms(deadline))) != Read::ok) return false;
  }
}

bool WsClient::send_raw(std::string_view bytes, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!bytes.empty()) {
    if (fd_ < 0) return false;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    pollfd p{fd_, POLLOUT, 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
  }
  return true;
}

std::size_t WsClient::send_some(std::string_view bytes) {
  if (fd_ < 0) return 0;
  ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool WsClient::next_frame(std::uint8_t& opcode, std::string_view& payload) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(buf_.data() + begin_);
  std::size_t have = end_ - begin_;
  if (have < 2) return false;
  std::size_t header = 2;
  std::uint64_t len = p[1] & 0x7F;
  if (len == 126) {
    header = 4;
    if (have < header) return false;
    len = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
  } else if (len == 127) {
    header = 10;
    if (have < header) return false;
    len = 0;
    for (int i = 0; i < 8; ++i) len = len << 8 | p[2 + i];
  }
  if (p[1] & 0x80) header += 4;  // a server must not mask, but skip a key if one is there
  if (have < header + len) {
    // Make room for a frame larger than the buffer (rare: only big test messages).
    if (header + len > buf_.size()) buf_.resize(header + len);
    return false;
  }
  opcode = p[0] & 0x0F;
  payload = std::string_view(buf_.data() + begin_ + header, static_cast<std::size_t>(len));
  begin_ += header + static_cast<std::size_t>(len);
  return true;
}

Read WsClient::fill(milliseconds timeout) {
  if (fd_ < 0) return Read::error;
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && (end_ == buf_.size() || begin_ > buf_.size() / 2)) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      bytes_received_ += static_cast<std::uint64_t>(n);
      return Read::ok;
    }
    if (n == 0) return Read::eof;
    if (errno == ECONNRESET) return Read::eof;
    if (errno != EAGAIN && errno != EINTR) return Read::error;
    pollfd p{fd_, POLLIN, 0};
    int left = remaining_ms(deadline);
    if (left == 0) return Read::timeout;
    if (::poll(&p, 1, left) < 0 && errno != EINTR) return Read::error;
  }
}

std::optional<Frame> WsClient::read_frame(milliseconds timeout, Read* status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint8_t opcode = 0;
    std::string_view payload;
    if (next_frame(opcode, payload)) {
      if (status) *status = Read::ok;
      return Frame{opcode, std::string(payload)};
    }
    Read r = fill(milliseconds(remaining_ms(deadline)));
    if (r != Read::ok) {
      if (status) *status = r;
      return std::nullopt;
    }
  }
}

Read WsClient::drain_until_closed(milliseconds timeout, std::size_t* bytes,
                                  std::optional<Frame>* last_close) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint64_t start = bytes_received_ - (end_ - begin_);
  for (;;) {
    std::uint8_t opcode = 0;
    std::string_view payload;
    while (next_frame(opcode, payload)) {
      if (opcode == op::close && last_close) *last_close = Frame{opcode, std::string(payload)};
    }
    Read r = fill(milliseconds(remaining_ms(deadline)));
    if (r == Read::ok) continue;
    if (bytes) *bytes = static_cast<std::size_t>(bytes_received_ - start);
    return r == Read::eof ? Read::ok : r;
  }
}

}  // namespace sluice_sp
