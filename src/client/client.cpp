// Client: one outgoing WebSocket connection at a time on a Loop, plus what a client needs
// around it: name resolution off the loop thread, reconnection with backoff and full jitter,
// and messages held (up to a cap) while disconnected.
#include "sluice/client.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <thread>

#include "client/url.hpp"
#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "conn/tls_stream.hpp"
#include "http/client_handshake.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "net/tls_client_context.hpp"
#include "ws/mask_keys.hpp"

namespace sluice {
namespace {

struct Address {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// An IPv4 or IPv6 literal needs no resolver.
bool literal_address(const std::string& host, std::uint16_t port, Address& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::vector<Address> resolve(const std::string& host, std::uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  std::vector<Address> out;
  if (rc != 0) {
    error = "cannot resolve '" + host + "': " + gai_strerror(rc);
    return out;
  }
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Address a;
    std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    out.push_back(a);
  }
  ::freeaddrinfo(res);
  return out;
}

// Comes first among Impl's bases so the callbacks and the budget exist before Endpoint keeps
// references to them. A client's queues are bounded by its cap alone.
struct InternalBehaviors {
  Behaviors internal;
  detail::MemoryBudget own_budget{SIZE_MAX, 1};
};

}  // namespace

class Client::Impl final : private InternalBehaviors, public detail::Endpoint, public detail::LoopClient {
 public:
  Impl(Loop& loop, detail::Url url, ClientOptions options, ClientBehaviors user)
      : Endpoint(loop.native(), detail::Role::client, detail::Limits::of(options), {&internal, 1}, {},
                 own_budget, 0),
        loop_(loop),
        url_(std::move(url)),
        options_(std::move(options)),
        user_(std::move(user)),
        alive_(std::make_shared<Impl*>(this)) {
    if (url_.secure) tls_ = std::make_unique<detail::TlsClientContext>(options_.tls);
    std::uint32_t seed;
    detail::random_bytes({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed});
    jitter_.seed(seed);
    // The connection code calls back with the server's handle type; the application gets the
    // client's, which has no topics.
    internal.on_open = [this](WebSocket ws) { opened(ClientWebSocket(ws.connection())); };
    internal.on_message = [this](WebSocket ws, std::string_view data, Opcode op) {
      if (user_.on_message) user_.on_message(ClientWebSocket(ws.connection()), data, op);
    };
    internal.on_drain = [this](WebSocket ws) {
      ClientWebSocket client(ws.connection());
      send_held(client);
      if (held_.empty() && user_.on_drain) user_.on_drain(client);
    };
    internal.on_close = [this](WebSocket ws, std::uint16_t code, std::string_view reason) {
      if (user_.on_close && phase_ != Phase::gone)
        user_.on_close(ClientWebSocket(ws.connection()), code, reason);
    };
  }

  ~Impl() {
    phase_ = Phase::gone;
    alive_.reset();
    if (resolver_.joinable()) resolver_.join();
    loop().forget(this);
    if (conn_) {
      conn_->abort(nullptr);
      loop().forget(conn_);
      delete conn_;
    }
  }

  void connect() {
    if (conn_ || phase_ == Phase::resolving || phase_ == Phase::backing_off) return;
    attempt();
  }

  SendStatus send(std::string_view data, Opcode opcode) {
    if (conn_ && conn_->is_open()) return conn_->send(data, opcode);
    if (options_.offline == OfflineSends::fail || phase_ == Phase::closing || phase_ == Phase::closed)
      return SendStatus::closed;
    if (held_bytes_ + data.size() > options_.max_held_bytes) return SendStatus::dropped;
    held_.emplace_back(opcode, std::string(data));
    held_bytes_ += data.size();
    return SendStatus::queued;
  }

  void close(std::uint16_t code, std::string_view reason) {
    held_.clear();
    held_bytes_ = 0;
    if (conn_) {
      phase_ = Phase::closing;  // destroy() reports the stop
      if (conn_->is_open()) {
        conn_->close(code, reason);
      } else {
        conn_->abort("closed by the application");
      }
      return;
    }
    switch (phase_) {
      case Phase::resolving: phase_ = Phase::closing; return;  // the resolver's answer reports the stop
      case Phase::backing_off:
        loop().cancel_timer(this);
        phase_ = Phase::closing;
        stopped();
        return;
      default: phase_ = Phase::closed; return;  // nothing under way, nothing to report
    }
  }

  bool is_open() const { return conn_ && conn_->is_open(); }
  std::size_t buffered_amount() const { return conn_ ? conn_->buffered_amount() : 0; }
  std::size_t held_bytes() const { return held_bytes_; }
  ConnectionStats stats() const { return conn_ ? conn_->stats() : ConnectionStats{}; }

  // Endpoint
  void destroy(detail::Connection* c) override {
    const bool opened = c->upgraded();
    delete c;
    conn_ = nullptr;
    if (phase_ == Phase::failing_over) {
      ++next_address_;
      return try_next_address();
    }
    if (!opened) ++failures_;
    retry_or_stop();
  }
  void on_open_failed(detail::Connection* c, std::string_view why) override {
    // A refused or timed-out connect moves on to the next address before it is reported.
    if (phase_ == Phase::connecting && c->state() == detail::ConnState::connecting &&
        next_address_ + 1 < addrs_.size()) {
      phase_ = Phase::failing_over;
      return;
    }
    error(why);
  }

  // LoopClient: the reconnection timer
  void on_io(std::uint32_t) override {}
  void on_timer() override { attempt(); }

 private:
  void attempt() {
    Address a;
    if (literal_address(url_.host, url_.port, a)) return connect_to({a});
    // getaddrinfo blocks: it runs on its own thread and posts the answer back to the loop.
    phase_ = Phase::resolving;
    if (resolver_.joinable()) resolver_.join();
    std::weak_ptr<Impl*> alive = alive_;
    resolver_ = std::thread([alive, host = url_.host, port = url_.port, &loop = loop_] {
      std::string err;
      auto addrs = resolve(host, port, err);
      loop.post([alive, addrs = std::move(addrs), err = std::move(err)] {
        if (auto self = alive.lock()) (*self)->resolved(addrs, err);
      });
    });
  }

  void resolved(const std::vector<Address>& addrs, const std::string& err) {
    if (phase_ == Phase::closing) return stopped();
    if (addrs.empty()) {
      error(err.empty() ? "no address for '" + url_.host + "'" : err);
      ++failures_;
      return retry_or_stop();
    }
    connect_to(addrs);
  }

  void connect_to(std::vector<Address> addrs) {
    addrs_ = std::move(addrs);
    next_address_ = 0;
    try_next_address();
  }

  // One attempt tries every resolved address in turn (say ::1, then 127.0.0.1) before it counts
  // as failed.
  void try_next_address() {
    std::string why;
    for (; next_address_ < addrs_.size(); ++next_address_) {
      const Address& a = addrs_[next_address_];
      detail::Fd fd;
      detail::IoResult r = detail::connect_start(reinterpret_cast<const sockaddr*>(&a.addr), a.len, fd);
      if (!r.ok()) {
        why = "connect to " + url_.host_header + " failed: " + std::strerror(r.error);
        continue;
      }
      detail::ClientRequest req{url_.host_header, url_.target, options_.origin, options_.subprotocols,
                                options_.headers};
      if (options_.compression != Compression::off)
        req.headers.emplace_back("Sec-WebSocket-Extensions", detail::deflate_offer(options_.compression));
      std::string key = detail::make_client_key();
      auto hs = std::make_unique<detail::ClientHandshake>(detail::format_client_request(req, key), key,
                                                          options_.subprotocols, options_.max_header_bytes,
                                                          options_.max_headers);
      hs->deflate = options_.compression;
      detail::Transport transport = transport_for(std::move(fd));
      if (!transport.is_open()) {
        why = "OpenSSL cannot set up a session";
        continue;
      }
      phase_ = Phase::connecting;
      conn_ = new detail::Connection(*this, std::move(transport));
      conn_->start_client(std::move(hs));
      return;
    }
    error(why);
    ++failures_;
    retry_or_stop();
  }

  detail::Transport transport_for(detail::Fd fd) {
    if (!tls_) return detail::Transport(std::move(fd));
    return detail::Transport(detail::TlsStream::connect(std::move(fd), *tls_, url_.host, allowance()));
  }

  void opened(ClientWebSocket ws) {
    unsigned tries = failures_ + 1;
    failures_ = 0;
    phase_ = Phase::open;
    if (user_.on_open) user_.on_open(ws);
    if (opens_ > 0 && user_.on_reconnect && ws.is_open()) user_.on_reconnect(ws, tries);
    ++opens_;
    send_held(ws);
  }

  // Held messages go out once, in order; what the send queue refuses now waits for on_drain.
  void send_held(ClientWebSocket ws) {
    while (!held_.empty() && ws.is_open()) {
      auto& [opcode, data] = held_.front();
      SendStatus st = ws.send(data, opcode);
      if (st == SendStatus::would_block || st == SendStatus::closed) return;
      held_bytes_ -= data.size();
      held_.pop_front();
    }
  }

  void retry_or_stop() {
    const ReconnectOptions& r = options_.reconnect;
    if (phase_ == Phase::closing || phase_ == Phase::gone || !r.enabled ||
        (r.max_attempts > 0 && failures_ >= r.max_attempts)) {
      return stopped();
    }
    // Full jitter: uniform in [0, min(max_delay, initial_delay * 2^failures)].
    auto bound = r.initial_delay.count() << std::min(failures_, 20u);
    bound = std::min<std::int64_t>(bound, r.max_delay.count());
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(bound, 0));
    phase_ = Phase::backing_off;
    loop().schedule(this, std::chrono::milliseconds(pick(jitter_)));
  }

  void error(std::string_view why) {
    if (user_.on_error && phase_ != Phase::gone) user_.on_error(why);
  }

  void stopped() {
    if (phase_ == Phase::gone) return;
    phase_ = phase_ == Phase::closing ? Phase::closed : Phase::stopped;
    if (user_.on_stopped) user_.on_stopped();
  }

  // Where the client is, between connections and within one attempt.
  enum class Phase : std::uint8_t {
    idle,          // connect() not called yet
    resolving,     // the host name is resolved on its own thread
    connecting,    // a connection is being opened: TCP, then the handshake
    failing_over,  // that attempt failed with addresses left: the next is tried once it is freed
    open,          // the connection is open
    backing_off,   // waiting out the reconnection delay
    closing,       // close() was called: what is under way ends, then on_stopped
    closed,        // closed by the application: sends fail until connect() is called again
    stopped,       // not reconnecting (disabled, or out of attempts); sends may still be held
    gone,          // the Client is being destroyed: nothing calls the application back
  };

  Loop& loop_;
  detail::Url url_;
  ClientOptions options_;
  std::unique_ptr<detail::TlsClientContext> tls_;  // wss:// only
  ClientBehaviors user_;
  detail::Connection* conn_ = nullptr;
  std::vector<Address> addrs_;  // of the current attempt
  std::size_t next_address_ = 0;
  std::deque<std::pair<Opcode, std::string>> held_;  // bounded by max_held_bytes
  std::size_t held_bytes_ = 0;
  unsigned failures_ = 0;  // consecutive attempts that did not open
  unsigned opens_ = 0;     // connections that opened: after the first, an open is a reconnect
  Phase phase_ = Phase::idle;
  std::mt19937 jitter_;
  std::thread resolver_;
  std::shared_ptr<Impl*> alive_;  // the resolver's posted answer checks this
};

Client::Client(Loop& loop, std::string url, ClientOptions options, ClientBehaviors behaviors) {
  auto parsed = detail::parse_ws_url(url);
  if (!parsed) throw std::invalid_argument("not a ws:// or wss:// URL: '" + url + "'");
  impl_ = std::make_unique<Impl>(loop, std::move(*parsed), std::move(options), std::move(behaviors));
}

Client::~Client() = default;

void Client::connect() { impl_->connect(); }
SendStatus Client::send(std::string_view data, Opcode opcode) { return impl_->send(data, opcode); }
void Client::close(std::uint16_t code, std::string_view reason) { impl_->close(code, reason); }
bool Client::is_open() const { return impl_->is_open(); }
std::size_t Client::buffered_amount() const { return impl_->buffered_amount(); }
std::size_t Client::held_bytes() const { return impl_->held_bytes(); }
ConnectionStats Client::stats() const { return impl_->stats(); }

}  // namespace sluice
