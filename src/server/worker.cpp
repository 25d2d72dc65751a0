#include "server/worker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "conn/connection.hpp"
#include "http/response.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "server/compressed_fanout.hpp"

namespace sluice::detail {
namespace {
thread_local Worker* t_current = nullptr;
}

Worker::Worker(ServerCore& core, Fd listener, int index)
    : Endpoint(owned_loop, Role::server, Limits::of(core.options), core.ws_behaviors, core.stream_behaviors,
               *core.budget, index),
      core_(core),
      listener_(std::move(listener)),
      topics_(core.flow),
      tls_(core.tls),
      inbox_(loop(), std::max<std::size_t>(core.options.max_inbound_publishes, 1),
             core.options.max_inbound_publish_bytes,
             [this](InboundPublish& p) {
               publish_local(p.topic.view(), p.frame, p.compression);
               core_.flow.inbound_done(inbound_bytes_, p.frame.get()->footprint());
             }),
      max_pending_((core.options.max_handshakes + static_cast<std::size_t>(core.options.threads) - 1) /
                   static_cast<std::size_t>(std::max(core.options.threads, 1))) {
  if (int err = loop().watch(listener_.get(), this, true, false))
    throw std::system_error(err, std::generic_category(), "epoll_ctl ADD (listener)");
  delivery_latency().set_sampling(core.options.delivery_latency_sampling);
  loop().set_post_limit(std::max<std::size_t>(core.options.max_posted_tasks, 1));
}

bool Worker::post_publish(const FrameRef& frame, const SharedTopicName& topic,
                          std::optional<Compression> compression) {
  // Counted before the push, so that the loop's inbound_done() can never come first.
  const std::size_t bytes = frame.get()->footprint();
  core_.flow.inbound_added(inbound_bytes_, bytes);
  if (inbox_.push(frame, topic, compression)) return true;
  core_.flow.inbound_done(inbound_bytes_, bytes);
  return false;
}

Worker::~Worker() {
  loop().cancel_timer(this);
  for (ConnectionList* list : {&pending_, &open_}) {
    while (Connection* c = list->first()) {
      list->remove(c);
      delete c;
    }
  }
}

template <typename F>
void Worker::for_each_connection(F f) {
  for (ConnectionList* list : {&pending_, &open_}) {
    for (Connection* c = list->first(); c;) {
      Connection* next = c->next_in_worker;  // f may move c to the other list
      f(c);
      c = next;
    }
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
    sockaddr_storage peer{};
    IoResult r = accept_one(listener_.get(), fd, &peer);
    if (r.kind == IoResult::Kind::done) {
      adopt(std::move(fd), peer);
      continue;
    }
    if (r.kind == IoResult::Kind::would_block) return;
    if ((r.error == EMFILE || r.error == ENFILE) && make_room_for_accept()) continue;
    // Out of fds or memory: the backlog waits in the kernel while we back off, rather than
    // spinning on a listener that stays readable.
    log(LogLevel::warn, "accept failed: {}; pausing accepts for 100 ms", std::strerror(r.error));
    loop().unwatch(listener_.get());
    accept_paused_ = true;
    loop().schedule(this, std::chrono::milliseconds(100));
    return;
  }
}

bool Worker::make_room_for_accept() {
  if (cut_oldest_handshake("the process is out of file descriptors")) return true;
  if (!spare_fd_.held()) return false;
  spare_fd_.release();
  Fd fd;
  bool accepted = accept_one(listener_.get(), fd).kind == IoResult::Kind::done;
  if (accepted) {
    log(LogLevel::warn, "{}: refused with 503: the process is out of file descriptors",
        describe_peer(fd.get()));
    counters().connections_refused.add(1);
    refuse_now(std::move(fd), simple_response(503, "text/plain; charset=utf-8", "server busy\n"));
  }
  spare_fd_.reopen();
  return accepted;
}

bool Worker::cut_oldest_handshake(const char* why) {
  // Connections cut earlier in this turn stay listed until the loop frees them; they are few.
  Connection* c = pending_.oldest();
  while (c && c->state() == ConnState::closed) c = c->prev_in_worker;
  if (!c) return false;
  log(LogLevel::warn, "{}: handshake cut to make room ({}; {} in flight on this thread)",
      describe_peer(c->fd()), why, pending_.size());
  counters().connections_refused.add(1);
  c->note_close(CloseReason::refused);
  c->abort(nullptr);  // closes its socket now; the object goes before the loop sleeps
  return true;
}

void Worker::on_timer() {
  if (stopping_) {
    log(LogLevel::warn, "shutdown deadline passed; cutting {} connection(s)", connection_count());
    for_each_connection([](Connection* c) { c->abort("shutdown deadline passed"); });
    return;
  }
  if (accept_paused_ && listener_) {
    accept_paused_ = false;
    if (int err = loop().watch(listener_.get(), this, true, false)) {
      log(LogLevel::error, "cannot watch the listener again: {}; retrying in 1 s", std::strerror(err));
      accept_paused_ = true;
      loop().schedule(this, std::chrono::seconds(1));
    }
  }
}

void Worker::adopt(Fd fd, const sockaddr_storage& peer) {
  if (options().send_buffer_bytes > 0) set_send_buffer(fd.get(), options().send_buffer_bytes);
  counters().connections_accepted.add(1);
  if (max_pending_ > 0 && pending_.size() >= max_pending_) cut_oldest_handshake("max_handshakes reached");
  Transport transport = transport_for(std::move(fd));
  if (!transport.is_open()) return;
  auto* c = new Connection(*this, std::move(transport));
  pending_.push_front(c);
  const std::uint64_t key = peer_key(peer);
  switch (core_.peer_limits->admit(key)) {
    case PeerLimits::Admit::ok:
      c->peer_key = key;
      c->start();
      return;
    case PeerLimits::Admit::over_total:
      log(LogLevel::warn, "{}: refused with 503: max_connections ({}) reached", describe_peer(c->fd()),
          options().max_connections);
      break;
    case PeerLimits::Admit::over_per_peer:
      log(LogLevel::warn, "{}: refused with 503: max_connections_per_ip ({}) reached", describe_peer(c->fd()),
          options().max_connections_per_ip);
      break;
  }
  counters().connections_refused.add(1);
  c->start_refused(503, "too many connections");
}

Transport Worker::transport_for(Fd fd) {
  if (!tls_) return Transport(std::move(fd));
  std::unique_ptr<TlsStream> tls = TlsStream::accept(std::move(fd), tls_, allowance());
  if (!tls) log(LogLevel::warn, "OpenSSL cannot set up a session for an accepted connection; closing it");
  return Transport(std::move(tls));
}

void Worker::on_upgraded(Connection* c) {
  pending_.remove(c);
  open_.push_front(c);
}

void Worker::on_back_to_requests(Connection* c) {
  open_.remove(c);
  pending_.push_front(c);
}

void Worker::destroy(Connection* c) {
  (c->upgraded() ? open_ : pending_).remove(c);
  if (c->peer_key != Connection::kUncounted) core_.peer_limits->release(c->peer_key);
  c->note_close(CloseReason::normal);  // an HTTP exchange that ended, or a client that left
  delete c;
  counters().connections_closed.add(1);
  if (stopping_ && connection_count() == 0) loop().stop();
}

bool Worker::subscribe(Connection& c, std::string_view topic) {
  if (c.state() != ConnState::open && c.state() != ConnState::streaming) return false;
  return topics_.subscribe(c, topic, core_.options_for_topic(topic));
}

PublishResult Worker::publish_local(std::string_view topic, const FrameRef& frame,
                                    std::optional<Compression> message_compression) {
  Topic* t = topics_.find(topic);
  if (!t) return {};
  // Corked: no flush, and so no application callback, runs while the subscriber list is walked.
  EventLoop::Cork cork(loop());
  OutcomeTally tally;
  const Compression compression =
      message_compression.value_or(t->options.compression.value_or(limits().compression));
  if (compression == Compression::off || limits().compression == Compression::off) {
    Connection::publish_each(t->subscribers, frame, t->id, t->options.policy, tally);
  } else {
    CompressedFanout fanout(frame, compression, limits().compression_threshold, shared_deflate(),
                            *core_.budget);
    for (Connection* c : t->subscribers) tally.add(fanout.publish(*c, t->id, t->options.policy));
  }
  if (!t->stream_subscribers.empty()) {
    // Streams get the payload alone: copied out once for all of this thread's.
    FrameRef raw = payload_of(*frame.get());
    raw.get()->charge_once(*core_.budget);
    Connection::publish_each(t->stream_subscribers, raw, t->id, t->options.policy, tally);
  }
  return tally.result();
}

void Worker::request_stop() {
  loop().post_control([this] { begin_stop(); });
}

void Worker::begin_stop() {
  if (stopping_) return;
  stopping_ = true;
  if (listener_ && !accept_paused_) loop().unwatch(listener_.get());
  listener_.reset();
  for_each_connection([](Connection* c) { c->go_away(); });
  if (connection_count() == 0) {
    loop().stop();
  } else {
    loop().schedule(this, options().shutdown_timeout);
  }
}

}  // namespace sluice::detail
