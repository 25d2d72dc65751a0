// storm: --clients clients connect to a topic URL at once and upgrade; a client cut before its
// 101 (a server shedding handshakes, a full backlog) reconnects after a short pause that grows
// with each attempt, as a browser would. Once every client is in, one message is published over
// HTTP (--publish, a POST to the relay's /topics/NAME) and every client must receive it: the
// storm is survived when every client is served.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "clock.hpp"
#include "raw_peer.hpp"
#include "report.hpp"
#include "scenarios.hpp"

namespace sluice::bench {

namespace {

constexpr int kMaxAttempts = 50;
constexpr std::uint64_t kMs = 1'000'000;

struct StormClient {
  enum class State : std::uint8_t { waiting, connecting, reading_head, upgraded, served, gave_up };
  RawPeer peer;
  State state = State::waiting;
  int attempts = 0;
  std::uint64_t retry_at_ns = 0;
  std::string frames;  // bytes after the upgrade, until the message is whole
};

class Storm {
 public:
  Storm(const WsTarget& target, int clients)
      : target_(target), request_(upgrade_request(target)), clients_(clients) {}

  // Until every client is upgraded (or has given up) or the deadline passes.
  void upgrade_all(std::uint64_t deadline_ns) {
    while (now_ns() < deadline_ns &&
           count(StormClient::State::upgraded) + count(StormClient::State::gave_up) < clients_.size()) {
      start_due();
      poll_once(StormClient::State::connecting, StormClient::State::reading_head);
    }
  }

  // Until every upgraded client has received `message` or the deadline passes.
  void receive_all(const std::string& message, std::uint64_t deadline_ns) {
    expected_ = message;
    while (now_ns() < deadline_ns && count(StormClient::State::upgraded) > 0)
      poll_once(StormClient::State::upgraded, StormClient::State::upgraded);
  }

  std::size_t count(StormClient::State s) const {
    return static_cast<std::size_t>(
        std::count_if(clients_.begin(), clients_.end(), [s](const StormClient& c) { return c.state == s; }));
  }
  int attempts() const {
    int n = 0;
    for (const auto& c : clients_) n += c.attempts;
    return n;
  }
  int most_attempts() const {
    int n = 0;
    for (const auto& c : clients_) n = std::max(n, c.attempts);
    return n;
  }
  const std::string& first_error() const { return first_error_; }

 private:
  void start_due() {
    const std::uint64_t now = now_ns();
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      StormClient& c = clients_[i];
      if (c.state != StormClient::State::waiting || c.retry_at_ns > now) continue;
      ++c.attempts;
      std::string error;
      if (c.peer.open(target_, static_cast<int>(i), 10'000, false, error)) {
        c.state = StormClient::State::connecting;
      } else {
        retry(c, error);
      }
    }
  }

  void retry(StormClient& c, const std::string& why) {
    c.peer.close();
    if (first_error_.empty()) first_error_ = why;
    if (c.attempts >= kMaxAttempts) {
      c.state = StormClient::State::gave_up;
      return;
    }
    c.state = StormClient::State::waiting;
    c.retry_at_ns = now_ns() + static_cast<std::uint64_t>(20 * c.attempts) * kMs;
  }

  void poll_once(StormClient::State a, StormClient::State b) {
    fds_.clear();
    owners_.clear();
    for (auto& c : clients_) {
      if (c.state != a && c.state != b) continue;
      const short events = c.state == StormClient::State::connecting ? POLLOUT : POLLIN;
      fds_.push_back({c.peer.fd(), events, 0});
      owners_.push_back(&c);
    }
    ::poll(fds_.data(), fds_.size(), 20);
    for (std::size_t k = 0; k < fds_.size(); ++k)
      if (fds_[k].revents) on_ready(*owners_[k], fds_[k].revents);
  }

  void on_ready(StormClient& c, short revents) {
    std::string error;
    switch (c.state) {
      case StormClient::State::connecting: {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.peer.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (revents & (POLLERR | POLLHUP))) {
          retry(c, std::string("connect: ") + std::strerror(err ? err : ECONNRESET));
        } else if (c.peer.send_all(request_, error)) {
          c.state = StormClient::State::reading_head;
        } else {
          retry(c, error);
        }
        return;
      }
      case StormClient::State::reading_head:
        if (c.peer.poll_upgrade(error)) {
          if (c.peer.upgraded()) {
            c.state = StormClient::State::upgraded;
          } else {
            retry(c, error);
          }
        } else if (!error.empty()) {
          retry(c, error);
        }
        return;
      case StormClient::State::upgraded: read_message(c); return;
      default: return;
    }
  }

  void read_message(StormClient& c) {
    char buf[4096];
    ssize_t n = ::recv(c.peer.fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      c.state = StormClient::State::gave_up;
      if (first_error_.empty()) first_error_ = "an upgraded client was closed before the message";
      return;
    }
    c.frames.append(buf, static_cast<std::size_t>(n));
    // One unmasked text frame with a short payload: 0x81, the length, the message.
    const std::string whole = std::string("\x81") + static_cast<char>(expected_.size()) + expected_;
    if (c.frames.size() < whole.size()) return;
    if (c.frames.compare(0, whole.size(), whole) == 0) {
      c.state = StormClient::State::served;
      c.peer.close();
    } else {
      c.state = StormClient::State::gave_up;
      if (first_error_.empty()) first_error_ = "a client received something other than the message";
    }
  }

  const WsTarget& target_;
  const std::string request_;
  std::vector<StormClient> clients_;
  std::string expected_;
  std::string first_error_;
  std::vector<pollfd> fds_;
  std::vector<StormClient*> owners_;
};

// POSTs `body` to http://IPv4:PORT/PATH; returns the response (empty when it fails).
std::string publish(const std::string& url, const std::string& body, std::string& error) {
  const std::string ws_url = url.starts_with("http://") ? "ws://" + url.substr(7) : url;
  const auto target = parse_ws_target(ws_url, error);
  if (!target) return {};
  RawPeer peer;
  if (!peer.open(*target, 199, 10'000, true, error)) return {};
  const std::string request =
      "POST " + target->path + " HTTP/1.1\r\nHost: " + target->host_header +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  if (!peer.send_all(request, error)) return {};
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(peer.fd(), buf, sizeof buf, 0)) > 0;)
    response.append(buf, static_cast<std::size_t>(n));
  return response;
}

}  // namespace

int run_storm(const CommonOptions& common, const StormOptions& o) {
  std::string error;
  const auto target = parse_ws_target(common.url, error);
  if (!target) {
    std::fprintf(stderr, "storm: %s\n", error.c_str());
    return 2;
  }
  Storm storm(*target, o.clients);
  const std::uint64_t start_ns = now_ns();
  storm.upgrade_all(start_ns + static_cast<std::uint64_t>(o.max_duration_s * 1e9));
  const std::uint64_t upgraded_ns = now_ns();
  const std::size_t upgraded = storm.count(StormClient::State::upgraded);
  const std::string message = "storm " + std::to_string(upgraded_ns % 1'000'000);
  std::string response;
  if (upgraded > 0) response = publish(o.publish_url, message, error);
  const bool published = response.starts_with("HTTP/1.1 200");
  if (published) storm.receive_all(message, now_ns() + static_cast<std::uint64_t>(o.max_duration_s * 1e9));
  const std::size_t served = storm.count(StormClient::State::served);
  const double upgrade_s = static_cast<double>(upgraded_ns - start_ns) / 1e9;

  Report r("storm");
  r.json()
      .add("url", common.url)
      .add("clients", o.clients)
      .add("upgraded", static_cast<std::uint64_t>(upgraded))
      .add("served", static_cast<std::uint64_t>(served))
      .add("connect_attempts", storm.attempts())
      .add("most_attempts", storm.most_attempts())
      .add("upgrade_s", upgrade_s)
      .add("published", published)
      .add("first_error", storm.first_error());
  char buf[320];
  std::snprintf(
      buf, sizeof buf,
      "storm: %d clients at once: %zu upgraded in %.2f s (%d connection attempts, at most %d for one "
      "client), %zu served the published message",
      o.clients, upgraded, upgrade_s, storm.attempts(), storm.most_attempts(), served);
  r.line(buf);
  if (!published)
    r.line("publish failed: " + (error.empty() ? response.substr(0, response.find('\r')) : error));
  if (!storm.first_error().empty()) r.line("first refusal or failure seen: " + storm.first_error());
  r.print(common.json);
  return served == static_cast<std::size_t>(o.clients) ? 0 : 1;
}

}  // namespace sluice::bench
