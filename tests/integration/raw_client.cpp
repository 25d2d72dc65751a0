#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sluice_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string encode_frame(const FrameSpec& s) {
  std::string out;
  out.push_back(static_cast<char>((s.fin ? 0x80 : 0) | ((s.rsv & 7) << 4) | (s.opcode & 0x0F)));
  std::uint64_t len = s.declared_length ? *s.declared_length : s.payload.size();
  std::uint8_t mask_bit = s.masked ? 0x80 : 0;
  LengthForm form = s.form;
  if (form == LengthForm::minimal)
    form = len < 126 ? LengthForm::minimal : len <= 0xFFFF ? LengthForm::len16 : LengthForm::len64;
  if (form == LengthForm::minimal) {
    out.push_back(static_cast<char>(mask_bit | len));
  } else if (form == LengthForm::len16) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((len >> 8) & 0xFF));
    out.push_back(static_cast<char>(len & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  }
  if (s.masked) out.append(reinterpret_cast<const char*>(kMask), 4);
  for (std::size_t i = 0; i < s.payload.size(); ++i)
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(s.payload[i]) ^ (s.masked ? kMask[i % 4] : 0)));
  return out;
}

std::string frame(std::uint8_t opcode, std::string_view payload, bool fin) {
  FrameSpec s;
  s.opcode = opcode;
  s.payload = std::string(payload);
  s.fin = fin;
  return encode_frame(s);
}

std::string close_body(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

std::string upgrade_request(std::string_view path, std::string_view extra, std::string_view key) {
  std::string r = "GET ";
  r.append(path);
  r.append(
      " HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: ");
  r.append(key);
  r.append("\r\nSec-WebSocket-Version: 13\r\n");
  r.append(extra);
  r.append("\r\n");
  return r;
}

std::optional<std::string> HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

std::uint16_t Frame::close_code() const {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                    static_cast<std::uint8_t>(payload[1]));
}

std::string Frame::close_reason() const { return payload.size() < 2 ? std::string() : payload.substr(2); }

RawClient::RawClient(std::uint16_t port, int rcvbuf) {
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
  fd_ = fd;
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawClient::send_raw(std::string_view bytes, milliseconds timeout) {
  if (fd_ < 0) return false;
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int left = ms_left(deadline);
      if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

ReadStatus RawClient::fill(Clock::time_point deadline) {
  if (fd_ < 0) return ReadStatus::error;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ReadStatus::error;
    if (r == 0) return ReadStatus::timeout;
    char tmp[16 * 1024];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, MSG_DONTWAIT);
    if (n > 0) {
      buf_.append(tmp, static_cast<std::size_t>(n));
      return ReadStatus::ok;
    }
    if (n == 0) return ReadStatus::eof;
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return ReadStatus::error;
  }
}

std::optional<HttpReply> RawClient::read_http(milliseconds timeout, bool head_only) {
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (buf_.size() > 64 * 1024 || fill(deadline) != ReadStatus::ok) return std::nullopt;
  }
  std::string head = buf_.substr(0, end + 2);
  buf_.erase(0, end + 4);

  HttpReply reply;
  std::size_t pos = head.find("\r\n");
  reply.status_line = head.substr(0, pos);
  // "HTTP/1.1 NNN Reason"
  if (reply.status_line.size() < 12 || reply.status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  reply.status = std::atoi(reply.status_line.substr(9, 3).c_str());
  pos += 2;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && value.back() == ' ') value.pop_back();
    reply.headers.emplace_back(line.substr(0, colon), value);
  }
  if (head_only) return reply;
  std::size_t length = 0;
  if (auto cl = reply.header("content-length")) length = static_cast<std::size_t>(std::atoll(cl->c_str()));
  while (buf_.size() < length) {
    if (fill(deadline) != ReadStatus::ok) return std::nullopt;
  }
  reply.body = buf_.substr(0, length);
  buf_.erase(0, length);
  return reply;
}

bool RawClient::handshake(std::string_view path, std::string_view extra, HttpReply* out) {
  if (!send_raw(upgrade_request(path, extra))) return false;
  auto reply = read_http(kWait, /*head_only=*/true);
  if (!reply) return false;
  bool ok = reply->status == 101;
  if (out) *out = std::move(*reply);
  return ok;
}

std::optional<Frame> RawClient::read_frame(milliseconds timeout, ReadStatus* status) {
  auto deadline = Clock::now() + timeout;
  auto set = [&](ReadStatus s) {
    if (status) *status = s;
  };
  for (;;) {
    // Try to decode one frame from buf_.
    if (buf_.size() >= 2) {
      auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(buf_[i]); };
      std::size_t need = 2;
      std::uint8_t len7 = b(1) & 0x7F;
      bool masked = (b(1) & 0x80) != 0;
      if (len7 == 126) need += 2;
      if (len7 == 127) need += 8;
      if (masked) need += 4;
      if (buf_.size() >= need) {
        std::uint64_t len = len7;
        if (len7 == 126) len = static_cast<std::uint64_t>(b(2)) << 8 | b(3);
        if (len7 == 127) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = len << 8 | b(2 + static_cast<std::size_t>(i));
        }
        if (len > (64ull << 20)) {
          set(ReadStatus::error);
          return std::nullopt;
        }
        if (buf_.size() >= need + len) {
          Frame f;
          f.fin = (b(0) & 0x80) != 0;
          f.rsv = static_cast<std::uint8_t>((b(0) >> 4) & 7);
          f.opcode = b(0) & 0x0F;
          f.masked = masked;
          f.payload = buf_.substr(need, static_cast<std::size_t>(len));
          if (masked) {
            for (std::size_t i = 0; i < f.payload.size(); ++i)
              f.payload[i] = static_cast<char>(f.payload[i] ^ buf_[need - 4 + i % 4]);
          }
          buf_.erase(0, need + static_cast<std::size_t>(len));
          set(ReadStatus::ok);
          return f;
        }
      }
    }
    ReadStatus s = fill(deadline);
    if (s != ReadStatus::ok) {
      set(s);
      return std::nullopt;
    }
  }
}

ReadStatus RawClient::wait_eof(milliseconds timeout, std::size_t* extra_bytes) {
  auto deadline = Clock::now() + timeout;
  std::size_t extra = buf_.size();
  buf_.clear();
  ReadStatus result;
  for (;;) {
    ReadStatus s = fill(deadline);
    if (s == ReadStatus::ok) {
      extra += buf_.size();
      buf_.clear();
      continue;
    }
    result = s == ReadStatus::eof ? (extra == 0 ? ReadStatus::ok : ReadStatus::error) : s;
    break;
  }
  if (extra_bytes) *extra_bytes = extra;
  return result;
}

bool RawClient::drain_until_closed(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    buf_.clear();
    ReadStatus s = fill(deadline);
    if (s == ReadStatus::eof || s == ReadStatus::error) return true;
    if (s == ReadStatus::timeout) return false;
  }
}

}  // namespace sluice_test
