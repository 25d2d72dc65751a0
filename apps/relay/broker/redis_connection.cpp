#include "broker/redis_connection.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <stdexcept>
#include <vector>

#include "broker/redis_loop_adapter.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

std::string resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int err = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); err != 0)
    throw std::runtime_error("broker: cannot resolve Redis host '" + host + "': " + ::gai_strerror(err));
  char text[NI_MAXHOST];
  const int err =
      ::getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(found);
  if (err != 0) throw std::runtime_error("broker: cannot resolve Redis host '" + host + "'");
  return text;
}

bool is_status(const redisReply* r, std::string_view text) {
  return r && r->type == REDIS_REPLY_STATUS && std::string_view(r->str, r->len) == text;
}

std::string error_of(const redisReply* r) {
  if (!r) return "no answer";
  if (r->type == REDIS_REPLY_ERROR) return std::string(r->str, r->len);
  return "unexpected reply";
}

}  // namespace

// A tracked command's callback, owned by hiredis from send to reply.
struct RedisConnection::Pending {
  RedisConnection* connection;
  ReplyFn done;
};

RedisConnection::RedisConnection(sluice::Server& server, const RedisUrl& url, std::string name,
                                 RedisTimeouts timeouts, Events events)
    : server_(server),
      url_(url),
      address_(url.is_unix() ? std::string() : resolve(url.host)),
      name_(std::move(name)),
      timeouts_(timeouts),
      events_(std::move(events)),
      backoff_(timeouts.reconnect_min, timeouts.reconnect_max) {}

RedisConnection::~RedisConnection() {
  events_ = {};  // the owner is going: nobody to tell
  if (redisAsyncContext* ac = ac_) {
    ac_ = nullptr;
    redisAsyncFree(ac);  // every pending callback gets nullptr
  }
}

void RedisConnection::start() {
  if (started_) return;
  started_ = true;
  connect();
}

void RedisConnection::connect() {
  redisAsyncContext* ac = url_.is_unix() ? redisAsyncConnectUnix(url_.socket_path.c_str())
                                         : redisAsyncConnect(address_.c_str(), url_.port);
  if (ac == nullptr) {
    gone("out of memory");
    return;
  }
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    state_ = State::connecting;  // so that gone() reports it
    gone(why);
    return;
  }
  ac->data = this;
  RedisLoopAdapter::attach(ac, server_);
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  ac_ = ac;
  state_ = State::connecting;
  deadline_ = Clock::now() + timeouts_.connect;
  // The write hook fires when connect(2) completes: ask for it (hiredis 0.14.1 did already).
  ac->ev.addWrite(ac->ev.data);
}

void RedisConnection::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (self == nullptr || self->ac_ != ac) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    self->ac_ = nullptr;
    self->gone(ac->errstr[0] ? ac->errstr : "connect failed");
    return;
  }
  self->log_in();
}

void RedisConnection::on_disconnect(const redisAsyncContext* ac, int) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (self == nullptr || self->ac_ != ac) return;  // freed by us: already handled
  self->ac_ = nullptr;
  self->gone(ac->err ? std::string(ac->errstr) : std::string("connection closed by Redis"));
}

void RedisConnection::log_in() {
  // AUTH and SELECT first, then PING: the connection is ready once Redis has answered all of
  // them in order, within the connect deadline.
  auto step = [this](const redisReply* r, std::string_view what) {
    if (r == nullptr) return false;  // gone: already reported
    if (r->type == REDIS_REPLY_ERROR) {
      fail(std::string(what) + " refused: " + error_of(r));
      return false;
    }
    return true;
  };
  if (!url_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!url_.user.empty()) auth.push_back(url_.user);
    auth.push_back(url_.password);
    command(auth, [step](const redisReply* r) { step(r, "AUTH"); });
  }
  const std::string db = std::to_string(url_.db);
  if (url_.db != 0) {
    const std::string_view select[] = {"SELECT", db};
    command(select, [step](const redisReply* r) { step(r, "SELECT"); });
  }
  const std::string_view ping[] = {"PING"};
  command(ping, [this, step](const redisReply* r) {
    if (!step(r, "PING") || state_ != State::connecting) return;
    if (!is_status(r, "PONG")) {
      fail("PING answered with something else than PONG");
      return;
    }
    state_ = State::ready;
    ready_since_ = Clock::now();
    if (ever_ready_) ++reconnects_;
    ever_ready_ = true;
    log_line(LogLevel::info, "broker: {} connected to Redis at {}", name_, url_.where());
    if (events_.on_ready) events_.on_ready();
  });
}

bool RedisConnection::send(std::span<const std::string_view> args, redisCallbackFn* fn, void* privdata) {
  if (ac_ == nullptr || state_ == State::down) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac_, fn, privdata, static_cast<int>(args.size()), argv.data(),
                               lengths.data()) == REDIS_OK;
}

bool RedisConnection::command(std::span<const std::string_view> args, ReplyFn done) {
  auto* pending = new Pending{this, std::move(done)};
  if (!send(args, on_reply, pending)) {
    delete pending;
    return false;
  }
  sent_at_.push_back(Clock::now());
  return true;
}

bool RedisConnection::raw_command(std::span<const std::string_view> args, redisCallbackFn* fn,
                                  void* privdata) {
  return send(args, fn, privdata);
}

void RedisConnection::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
  RedisConnection* self = pending->connection;
  // Replies come in the order the commands went; a context being freed answers the rest
  // with nullptr, and those were forgotten when it went.
  if (self->ac_ == ac && !self->sent_at_.empty()) self->sent_at_.pop_front();
  if (pending->done) pending->done(static_cast<const redisReply*>(reply));
}

void RedisConnection::fail(const std::string& why) {
  redisAsyncContext* ac = ac_;
  if (ac == nullptr && state_ == State::down) return;
  ac_ = nullptr;
  gone(why);
  // Freed after gone(): the pending callbacks (called with nullptr now) see a connection that
  // is already down. Inside a hiredis callback, hiredis defers the free to its return.
  if (ac) redisAsyncFree(ac);
}

void RedisConnection::gone(const std::string& why) {
  const State was = state_;
  state_ = State::down;
  sent_at_.clear();
  const Clock::time_point now = Clock::now();
  // A connection that stayed up for a while starts its backoff afresh.
  if (was == State::ready && now - ready_since_ > timeouts_.reconnect_max) backoff_.reset();
  const auto wait = backoff_.next();
  retry_at_ = now + wait;
  log_line(was == State::ready ? LogLevel::error : LogLevel::warn,
           "broker: {} to Redis at {} {}: {}; retrying in {} ms", name_, url_.where(),
           was == State::ready ? "lost" : "failed", why, wait.count());
  if (events_.on_down) events_.on_down(why);
}

void RedisConnection::tick(Clock::time_point now) {
  switch (state_) {
    case State::down:
      if (started_ && now >= retry_at_) connect();
      break;
    case State::connecting:
      if (now >= deadline_)
        fail("not ready within connect_timeout (" + std::to_string(timeouts_.connect.count()) + " ms)");
      break;
    case State::ready:
      if (!sent_at_.empty() && now - sent_at_.front() >= timeouts_.command)
        fail("a command unanswered for command_timeout (" + std::to_string(timeouts_.command.count()) +
             " ms)");
      break;
  }
}

}  // namespace sluice::relay
