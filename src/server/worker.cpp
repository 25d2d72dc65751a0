#include "server/worker.hpp"

#include <cstring>

#include "conn/connection.hpp"
#include "log.hpp"
#include "net/socket.hpp"

namespace sluice::detail {

Worker::Worker(const ServerOptions& options, const Behaviors& behaviors, const RouteTable& routes,
               Fd listener)
    : options_(options), behaviors_(behaviors), routes_(routes), listener_(std::move(listener)) {
  loop_.watch(listener_.get(), this, true, false);
}

Worker::~Worker() {
  loop_.cancel_timer(this);
  while (connections_) {
    Connection* c = connections_;
    connections_ = c->next_in_worker;
    delete c;
  }
}

void Worker::on_io(std::uint32_t) {
  // A bounded batch per wake-up keeps a connection storm from starving established peers.
  for (int i = 0; i < 64 && listener_; ++i) {
    Fd fd;
    IoResult r = accept_one(listener_.get(), fd);
    if (r.kind == IoResult::Kind::done) {
      adopt(std::move(fd));
      continue;
    }
    if (r.kind == IoResult::Kind::would_block) return;
    // Out of fds or memory: the backlog waits in the kernel while we back off, rather than
    // spinning on a listener that stays readable.
    log(LogLevel::warn, "accept failed: {}; pausing accepts for 100 ms", std::strerror(r.error));
    loop_.unwatch(listener_.get());
    accept_paused_ = true;
    loop_.schedule(this, std::chrono::milliseconds(100));
    return;
  }
}

void Worker::on_timer() {
  if (stopping_) {
    log(LogLevel::warn, "shutdown deadline passed; cutting {} connection(s)", connection_count_);
    for (Connection* c = connections_; c; c = c->next_in_worker) c->abort("shutdown deadline passed");
    return;
  }
  if (accept_paused_ && listener_) {
    accept_paused_ = false;
    loop_.watch(listener_.get(), this, true, false);
  }
}

void Worker::adopt(Fd fd) {
  auto* c = new Connection(*this, std::move(fd));
  c->next_in_worker = connections_;
  if (connections_) connections_->prev_in_worker = c;
  connections_ = c;
  ++connection_count_;
  c->start();
}

void Worker::destroy(Connection* c) {
  if (c->prev_in_worker) {
    c->prev_in_worker->next_in_worker = c->next_in_worker;
  } else {
    connections_ = c->next_in_worker;
  }
  if (c->next_in_worker) c->next_in_worker->prev_in_worker = c->prev_in_worker;
  delete c;
  --connection_count_;
  if (stopping_ && connection_count_ == 0) loop_.stop();
}

void Worker::request_stop() {
  loop_.post([this] { begin_stop(); });
}

void Worker::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  if (listener_ && !accept_paused_) loop_.unwatch(listener_.get());
  listener_.reset();
  for (Connection* c = connections_; c; c = c->next_in_worker) c->go_away();
  if (connection_count_ == 0) {
    loop_.stop();
  } else {
    loop_.schedule(this, options_.shutdown_timeout);
  }
}

}  // namespace sluice::detail
