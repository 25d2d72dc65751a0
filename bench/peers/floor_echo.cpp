// peer-floor-echo: the floor the benchmarks measure sluice-echo against, not a WebSocket server
// anyone should use. One thread, one epoll set, level-triggered; the opening handshake, then
// for each complete client frame: unmask the payload in place, write the server's header over
// the tail of the client's header (it is 4 bytes shorter: no mask key), and hand the frame back
// to the kernel with one writev per read. Nothing is validated beyond what finding frame
// boundaries needs (no UTF-8 check, no size limit, no close handshake beyond echoing the close
// frame), so the user-space work per echoed message is as small as an echo server's can be
// while the kernel work (epoll_pwait, read, write per message) stays the same as any server's.
// The benchmarks report how far above this floor each server is.
//
// Usage: peer-floor-echo --port P   (binds 127.0.0.1; P = 0 picks a free port)
#include "port_option.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_sigterm(int) { interrupted = 1; }

struct Conn {
  int fd = -1;
  bool upgraded = false;
  bool closing = false;  // a close frame was echoed: close once it is written
  std::vector<unsigned char> in = std::vector<unsigned char>(16 * 1024);
  std::size_t have = 0;            // bytes of `in` in use
  std::vector<unsigned char> out;  // what the kernel did not take yet
};

constexpr std::size_t kMaxFramesPerRead = 64;  // one writev's worth; more wait for the next read

void drop(int ep, Conn* c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  delete c;
}

// Wait for the socket to drain before reading more: the one backpressure the floor needs so that
// a reader that does not read cannot make it buffer without bound.
void watch(int ep, Conn* c, bool writable) {
  epoll_event ev{};
  ev.events = writable ? EPOLLOUT : EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

// Writes `iov` and keeps what the kernel does not take. Returns false when the connection is gone.
bool send_all(int ep, Conn* c, iovec* iov, int n) {
  std::size_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  ssize_t w = writev(c->fd, iov, n);
  if (w < 0) {
    if (errno != EAGAIN) return false;
    w = 0;
  }
  if (static_cast<std::size_t>(w) == total) return !c->closing;
  auto skip = static_cast<std::size_t>(w);
  for (int i = 0; i < n; ++i) {
    auto* p = static_cast<unsigned char*>(iov[i].iov_base);
    if (skip >= iov[i].iov_len) {
      skip -= iov[i].iov_len;
      continue;
    }
    c->out.insert(c->out.end(), p + skip, p + iov[i].iov_len);
    skip = 0;
  }
  watch(ep, c, true);
  return true;
}

bool handshake(int ep, Conn* c) {
  std::string_view req(reinterpret_cast<const char*>(c->in.data()), c->have);
  std::size_t end = req.find("\r\n\r\n");
  if (end == std::string_view::npos) return c->have < c->in.size();  // a request fills at most `in`
  std::string_view head = req.substr(0, end + 2);
  std::string_view key;
  for (std::size_t at = 0; at < head.size();) {
    std::size_t eol = head.find("\r\n", at);
    std::string_view line = head.substr(at, eol - at);
    at = eol + 2;
    constexpr std::string_view kName = "sec-websocket-key:";
    if (line.size() <= kName.size() || strncasecmp(line.data(), kName.data(), kName.size()) != 0) continue;
    key = line.substr(kName.size());
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
  }
  if (key.empty()) return false;

  char keyed[128];
  if (key.size() > 64) return false;
  int klen = std::snprintf(keyed, sizeof keyed, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
                           static_cast<int>(key.size()), key.data());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  if (!EVP_Digest(keyed, static_cast<std::size_t>(klen), digest, &dlen, EVP_sha1(), nullptr)) return false;
  unsigned char accept[32];
  EVP_EncodeBlock(accept, digest, static_cast<int>(dlen));
  char resp[160];
  int rlen = std::snprintf(resp, sizeof resp,
                           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: %s\r\n\r\n",
                           accept);
  iovec iov{resp, static_cast<std::size_t>(rlen)};
  if (!send_all(ep, c, &iov, 1)) return false;
  c->upgraded = true;
  std::size_t used = end + 4;
  std::memmove(c->in.data(), c->in.data() + used, c->have - used);
  c->have -= used;
  return true;
}

// The XOR is the only per-byte work an echo needs, so it runs 16 bytes at a time (the widest the
// baseline target has: SSE2 on x86-64), four blocks per iteration to keep loop overhead small.
using Block = std::uint32_t __attribute__((vector_size(16)));

void unmask(unsigned char* p, std::size_t n, const unsigned char key[4]) {
  std::uint32_t k4;
  std::memcpy(&k4, key, 4);
  const Block k = {k4, k4, k4, k4};
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    Block a, b, c, d;
    std::memcpy(&a, p + i, 16);
    std::memcpy(&b, p + i + 16, 16);
    std::memcpy(&c, p + i + 32, 16);
    std::memcpy(&d, p + i + 48, 16);
    a ^= k, b ^= k, c ^= k, d ^= k;
    std::memcpy(p + i, &a, 16);
    std::memcpy(p + i + 16, &b, 16);
    std::memcpy(p + i + 32, &c, 16);
    std::memcpy(p + i + 48, &d, 16);
  }
  for (; i + 16 <= n; i += 16) {
    Block b;
    std::memcpy(&b, p + i, 16);
    b ^= k;
    std::memcpy(p + i, &b, 16);
  }
  if (i + 8 <= n) {
    std::uint64_t v;
    std::memcpy(&v, p + i, 8);
    v ^= (static_cast<std::uint64_t>(k4) << 32) | k4;
    std::memcpy(p + i, &v, 8);
    i += 8;
  }
  if (i + 4 <= n) {
    std::uint32_t v;
    std::memcpy(&v, p + i, 4);
    v ^= k4;
    std::memcpy(p + i, &v, 4);
    i += 4;
  }
  for (; i < n; ++i) p[i] ^= key[i & 3];
}

// Echoes every complete frame in `in`; a partial frame stays at the front for the next read.
bool echo_frames(int ep, Conn* c) {
  iovec iov[kMaxFramesPerRead];
  std::size_t at = 0, need = 0;
  bool more = true;
  while (more && c->out.empty() && !c->closing) {
    int n = 0;
    more = false;
    while (c->have - at >= 2) {
      if (n == static_cast<int>(kMaxFramesPerRead)) {
        more = true;
        break;
      }
      unsigned char* f = c->in.data() + at;
      std::size_t avail = c->have - at;
      if (!(f[1] & 0x80)) return false;  // clients must mask
      std::uint64_t len = f[1] & 0x7f;
      std::size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
      std::size_t head = 2 + ext + 4;
      if (avail < head) break;
      if (ext == 2) len = (std::uint64_t{f[2]} << 8) | f[3];
      if (ext == 8) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | f[2 + i];
      }
      if (len > (std::uint64_t{1} << 30)) return false;
      if (avail < head + len) {
        need = head + len;
        break;
      }
      unsigned char* payload = f + head;
      unmask(payload, len, payload - 4);
      const unsigned char opcode = f[0] & 0x0f;
      // The server header takes the 2 + ext bytes in front of the payload; ping becomes pong.
      unsigned char* h = payload - (2 + ext);
      h[0] = opcode == 0x9 ? static_cast<unsigned char>((f[0] & 0xf0) | 0xa) : f[0];
      h[1] = static_cast<unsigned char>(f[1] & 0x7f);
      if (ext == 2) h[2] = static_cast<unsigned char>(len >> 8), h[3] = static_cast<unsigned char>(len);
      if (ext == 8)
        for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
      iov[n++] = {h, 2 + ext + len};
      at += head + len;
      if (opcode == 0x8) {
        c->closing = true;
        break;
      }
    }
    if (n > 0 && !send_all(ep, c, iov, n)) return false;
  }
  if (at < c->have) std::memmove(c->in.data(), c->in.data() + at, c->have - at);
  c->have -= at;
  if (need > c->in.size()) c->in.resize(need);
  return true;
}

bool on_readable(int ep, Conn* c) {
  ssize_t r = read(c->fd, c->in.data() + c->have, c->in.size() - c->have);
  if (r <= 0) return r < 0 && errno == EAGAIN;
  c->have += static_cast<std::size_t>(r);
  if (!c->upgraded && !handshake(ep, c)) return false;
  if (c->upgraded && c->out.empty()) return echo_frames(ep, c);
  return true;
}

bool on_writable(int ep, Conn* c) {
  ssize_t w = write(c->fd, c->out.data(), c->out.size());
  if (w < 0) return errno == EAGAIN;
  c->out.erase(c->out.begin(), c->out.begin() + w);
  if (!c->out.empty()) return true;
  if (c->closing) return false;
  watch(ep, c, false);
  // Frames that arrived while the output waited are still in `in`.
  return !c->upgraded || echo_frames(ep, c);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = port_option(argc, argv, "peer-floor-echo");
  if (port < 0) return 2;

  // SIGTERM and SIGINT stay blocked except inside epoll_pwait: a signal that arrives while
  // frames are being echoed waits for the next wait, which then returns EINTR, and the loop ends
  // (a plain epoll_wait could start sleeping just after the flag was checked, and never wake).
  struct sigaction sa {};
  sa.sa_handler = on_sigterm;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals, wait_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof addr;
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 1024) != 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) {
    std::perror("peer-floor-echo");
    return 1;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.ptr = nullptr;  // the listener is the only entry without a Conn
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::printf("peer-floor-echo listening on ws://127.0.0.1:%u/\n",
              static_cast<unsigned>(ntohs(addr.sin_port)));
  std::fflush(stdout);

  epoll_event events[256];
  while (!interrupted) {
    int n = epoll_pwait(ep, events, 256, -1, &wait_mask);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (!c) {
        int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = new Conn;
        c->fd = fd;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        continue;
      }
      bool keep = (events[i].events & EPOLLOUT) ? on_writable(ep, c) : on_readable(ep, c);
      if (!keep) drop(ep, c);
    }
  }
  return 0;
}
