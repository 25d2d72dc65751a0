#include "server/worker.hpp"

#include <cstring>

#include "conn/connection.hpp"
#include "log.hpp"
#include "net/socket.hpp"

namespace sluice::detail {
namespace {
thread_local Worker* t_current = nullptr;
}

Worker::Worker(ServerCore& core, Fd listener)
    : Endpoint(owned_loop, Role::server, limits_from(core.options), core.behaviors),
      core_(core),
      listener_(std::move(listener)) {
  loop().watch(listener_.get(), this, true, false);
}

Worker::~Worker() {
  loop().cancel_timer(this);
  while (connections_) {
    Connection* c = connections_;
    connections_ = c->next_in_worker;
    delete c;
  }
}

Worker* Worker::current() { return t_current; }

void Worker::run() {
  t_current = this;
  loop().run();
  t_current = nullptr;
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
    loop().unwatch(listener_.get());
    accept_paused_ = true;
    loop().schedule(this, std::chrono::milliseconds(100));
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
    loop().watch(listener_.get(), this, true, false);
  }
}

void Worker::adopt(Fd fd) {
  if (options().send_buffer_bytes > 0) set_send_buffer(fd.get(), options().send_buffer_bytes);
  auto* c = new Connection(*this, std::move(fd));
  c->next_in_worker = connections_;
  if (connections_) connections_->prev_in_worker = c;
  connections_ = c;
  ++connection_count_;
  counters().connections_accepted.add(1);
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
  if (stopping_ && connection_count_ == 0) loop().stop();
}

PublishResult Worker::publish_local(std::string_view topic, const FrameRef& frame) {
  PublishResult r;
  Topic* t = topics_.find(topic);
  if (!t) return r;
  // Corked: no flush, and so no application callback, runs while the subscriber list is walked.
  EventLoop::Cork cork(loop());
  for (Connection* c : t->subscribers) {
    switch (c->publish(frame.share(), *t)) {
      case SendStatus::sent: r.sent++; break;
      case SendStatus::queued: r.queued++; break;
      case SendStatus::would_block: r.would_block++; break;
      case SendStatus::dropped: r.dropped++; break;
      case SendStatus::closed: r.closed++; break;
    }
  }
  return r;
}

void Worker::request_stop() {
  loop().post([this] { begin_stop(); });
}

void Worker::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  if (listener_ && !accept_paused_) loop().unwatch(listener_.get());
  listener_.reset();
  for (Connection* c = connections_; c; c = c->next_in_worker) c->go_away();
  if (connection_count_ == 0) {
    loop().stop();
  } else {
    loop().schedule(this, options().shutdown_timeout);
  }
}

}  // namespace sluice::detail
