// HttpPublisher: request writing, response framing (status line, Content-Length) and pacing.
#include "http_publisher.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "clock.hpp"

namespace sluice::bench {

namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024;

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t content_length(std::string_view head) {
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kName = "\r\ncontent-length:";
  std::size_t at = lower.find(kName);
  if (at == std::string::npos) return 0;
  at += kName.size();
  while (at < lower.size() && lower[at] == ' ') ++at;
  std::size_t n = 0;
  std::from_chars(lower.data() + at, lower.data() + lower.size(), n);
  return n;
}

}  // namespace

HttpPublisher::HttpPublisher(const std::string& url, double rate, std::size_t size, std::uint64_t limit,
                             std::function<void()> on_open, std::function<void()> on_failed)
    : url_(url),
      rate_(rate),
      payload_(make_payload(size)),
      limit_(limit),
      on_open_(std::move(on_open)),
      on_failed_(std::move(on_failed)) {}

HttpPublisher::~HttpPublisher() {
  stop();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void HttpPublisher::connect() {
  std::string error;
  std::string as_ws = url_.starts_with("http://") ? "ws://" + url_.substr(7) : url_;
  auto target = parse_ws_target(as_ws, error);
  if (target) {
    target_ = *target;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd_ >= 0 &&
        ::connect(fd_, reinterpret_cast<const sockaddr*>(&target_.address), sizeof target_.address) == 0) {
      request_head_ =
          "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(payload_.size()) +
          "\r\n\r\n";
      on_open_();
      return;
    }
    std::fprintf(stderr, "sluice-bench: %s: connect failed\n", url_.c_str());
  } else {
    std::fprintf(stderr, "sluice-bench: --publish-url %s: %s\n", url_.c_str(), error.c_str());
  }
  on_failed_();
}

void HttpPublisher::start() {
  if (fd_ < 0 || thread_.joinable()) return;
  publishing_ = true;
  thread_ = std::thread([this] { run(); });
}

void HttpPublisher::stop() { publishing_ = false; }

void HttpPublisher::run() {
  const std::uint64_t start = now_ns();
  std::uint64_t position = 0;
  while (publishing_.load(std::memory_order_relaxed) && (limit_ == 0 || position < limit_)) {
    const std::uint64_t due_ns =
        start + static_cast<std::uint64_t>(static_cast<double>(position) * 1e9 / rate_);
    const std::uint64_t now = now_ns();
    if (now < due_ns) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(due_ns - now));
      continue;
    }
    stamp(payload_, now_ns());
    if (post(payload_)) {
      sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
      refused_.fetch_add(1, std::memory_order_relaxed);
      if (fd_ < 0) break;  // the connection is gone
    }
    ++position;
  }
  publishing_ = false;
}

bool HttpPublisher::post(std::string_view body) {
  if (!send_all(fd_, request_head_) || !send_all(fd_, body)) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  // Read until one whole response (head and Content-Length body) is in pending_.
  std::size_t head_end = std::string::npos;
  char buf[4096];
  for (;;) {
    if (head_end == std::string::npos) head_end = pending_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::size_t total = head_end + 4 + content_length(std::string_view(pending_).substr(0, head_end));
      if (pending_.size() >= total) {
        const bool ok = pending_.starts_with("HTTP/1.1 200");
        pending_.erase(0, total);
        return ok;
      }
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || pending_.size() + static_cast<std::size_t>(n) > kMaxResponseBytes) {
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace sluice::bench
