// HttpPublisher: request writing, response framing (status line, Content-Length) and pacing.
#include "http_publisher.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>

#include "clock.hpp"

namespace sluice::bench {

namespace {

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

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

HttpPublisher::HttpPublisher(const std::string& url, double rate, std::string payload, std::uint64_t limit,
                             std::function<void()> on_open, std::function<void()> on_failed)
    : url_(url),
      rate_(rate),
      payload_(std::move(payload)),
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
      request_ =
          "POST " + target_.path + " HTTP/1.1\r\nHost: " + target_.host_header +
          "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(payload_.size()) +
          "\r\n\r\n" + payload_;
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
  std::uint64_t next_tick = start;
  std::uint64_t drain_deadline = 0;
  std::string burst;
  while (fd_ >= 0) {
    const bool more = publishing_.load(std::memory_order_relaxed) && (limit_ == 0 || position < limit_);
    const std::uint64_t now = now_ns();
    if (!more) {
      // Done publishing: wait a bounded time for the answers still on their way.
      if (in_flight_ == 0) break;
      if (drain_deadline == 0) drain_deadline = now + 5'000'000'000ull;
      if (now > drain_deadline) break;
    }
    if (more && now >= next_tick) {
      std::uint64_t due = static_cast<std::uint64_t>(static_cast<double>(now - start) * rate_ / 1e9);
      if (limit_ != 0 && due > limit_) due = limit_;
      burst.clear();
      for (; position < due; ++position) {
        if (in_flight_ >= kMaxInFlight) {
          skipped_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        stamp(payload_, now_ns());
        request_.replace(request_.size() - payload_.size(), payload_.size(), payload_);
        burst += request_;
        ++in_flight_;
      }
      if (!send_all(fd_, burst)) break;
      next_tick = now + kTickNs;
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    const int wait_ms = more ? static_cast<int>((next_tick - now) / 1'000'000) : 100;
    if (::poll(&p, 1, wait_ms) > 0 && !read_answers()) break;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  publishing_ = false;
}

bool HttpPublisher::read_answers() {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0 || pending_.size() + static_cast<std::size_t>(n) > kMaxResponseBytes) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
  // Every whole answer (head and Content-Length body) in pending_, in order.
  for (;;) {
    const std::size_t head_end = pending_.find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    const std::size_t total = head_end + 4 + content_length(std::string_view(pending_).substr(0, head_end));
    if (pending_.size() < total) return true;
    (pending_.starts_with("HTTP/1.1 200") ? sent_ : refused_).fetch_add(1, std::memory_order_relaxed);
    pending_.erase(0, total);
    if (in_flight_ > 0) --in_flight_;
  }
}

}  // namespace sluice::bench
