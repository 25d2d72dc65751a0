// The raw WebSocket client the socket-level suites drive the server with; see raw_client.hpp.
#include "raw_client.hpp"

#include <cstdlib>

namespace sluice_test {
namespace {

constexpr std::uint64_t kMaxFrame = 64ull << 20;
constexpr std::size_t kMaxHead = 64 * 1024;

}  // namespace

std::uint16_t Frame::close_code() const {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                    static_cast<std::uint8_t>(payload[1]));
}

std::string Frame::close_reason() const { return payload.size() < 2 ? std::string() : payload.substr(2); }

RawClient::RawClient(std::uint16_t port, int rcvbuf, std::size_t buffer_bytes)
    : socket_(RawSocket::connect_loopback(port, rcvbuf)), buffer_(buffer_bytes) {}

std::optional<HttpReply> RawClient::read_http(milliseconds timeout, bool head_only) {
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.view().find("\r\n\r\n")) == std::string_view::npos) {
    if (buffer_.view().size() > kMaxHead || buffer_.fill(socket_, deadline) != ReadStatus::ok)
      return std::nullopt;
  }
  auto reply = parse_http_reply(buffer_.view().substr(0, end + 2));
  buffer_.consume(end + 4);
  if (!reply || head_only) return reply;
  std::size_t length = 0;
  if (auto cl = reply->header("content-length")) length = static_cast<std::size_t>(std::atoll(cl->c_str()));
  while (buffer_.view().size() < length) {
    if (buffer_.fill(socket_, deadline) != ReadStatus::ok) return std::nullopt;
  }
  reply->body = std::string(buffer_.view().substr(0, length));
  buffer_.consume(length);
  return reply;
}

bool RawClient::handshake(std::string_view path, std::string_view extra, HttpReply* out) {
  if (!send_raw(upgrade_request(path, extra))) return false;
  auto reply = read_http(kWait, /*head_only=*/true);
  if (!reply) return false;
  bool ok = reply->status == 101 && reply->status_line.starts_with("HTTP/1.1 ");
  if (out) *out = std::move(*reply);
  return ok;
}

RawClient::Parse RawClient::next_frame(FrameView& out) {
  auto header = parse_frame_header(buffer_.view());
  if (!header) return Parse::incomplete;
  if (header->payload_size > kMaxFrame) return Parse::invalid;
  std::size_t total = header->size + static_cast<std::size_t>(header->payload_size);
  if (buffer_.view().size() < total) {
    buffer_.reserve(total);
    return Parse::incomplete;
  }
  // A server must not mask (§5.1); if one does, the test sees the payload it meant anyway.
  auto payload = buffer_.unread().subspan(header->size, static_cast<std::size_t>(header->payload_size));
  if (header->masked) apply_mask(payload, header->mask);
  out.header = *header;
  out.payload = std::string_view(payload.data(), payload.size());
  buffer_.consume(total);
  return Parse::frame;
}

Frame RawClient::to_frame(const FrameView& f) {
  Frame out;
  out.fin = f.header.fin;
  out.rsv = f.header.rsv;
  out.opcode = f.header.opcode;
  out.masked = f.header.masked;
  out.payload = std::string(f.payload);
  return out;
}

std::optional<Frame> RawClient::read_frame(milliseconds timeout, ReadStatus* status) {
  auto deadline = Clock::now() + timeout;
  auto set = [&](ReadStatus s) {
    if (status) *status = s;
  };
  for (;;) {
    FrameView f;
    Parse p = next_frame(f);
    if (p == Parse::frame) {
      set(ReadStatus::ok);
      return to_frame(f);
    }
    if (p == Parse::invalid) {
      set(ReadStatus::error);
      return std::nullopt;
    }
    ReadStatus s = buffer_.fill(socket_, deadline);
    if (s != ReadStatus::ok) {
      set(s);
      return std::nullopt;
    }
  }
}

ReadStatus RawClient::wait_eof(milliseconds timeout, std::size_t* extra_bytes) {
  auto deadline = Clock::now() + timeout;
  std::size_t extra = buffer_.view().size();
  buffer_.clear();
  ReadStatus s;
  while ((s = buffer_.fill(socket_, deadline)) == ReadStatus::ok) {
    extra += buffer_.view().size();
    buffer_.clear();
  }
  if (extra_bytes) *extra_bytes = extra;
  if (s == ReadStatus::eof) return extra == 0 ? ReadStatus::ok : ReadStatus::error;
  return s;
}

ReadStatus RawClient::drain_until_closed(milliseconds timeout, std::size_t* bytes,
                                         std::optional<Frame>* last_close) {
  auto deadline = Clock::now() + timeout;
  const std::uint64_t start = buffer_.received() - buffer_.view().size();
  for (;;) {
    if (last_close) {
      FrameView f;
      Parse p;
      while ((p = next_frame(f)) == Parse::frame) {
        if (f.header.opcode == op::close) *last_close = to_frame(f);
      }
      if (p == Parse::invalid) buffer_.clear();
    } else {
      buffer_.clear();
    }
    ReadStatus s = buffer_.fill(socket_, deadline);
    if (s == ReadStatus::ok) continue;
    if (bytes) *bytes = static_cast<std::size_t>(buffer_.received() - start);
    return s == ReadStatus::eof || s == ReadStatus::reset ? ReadStatus::ok : s;
  }
}

}  // namespace sluice_test
