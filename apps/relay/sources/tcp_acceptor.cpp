// The listener accepts a bounded batch per wake-up; each producer is a StreamChannel. A
// producer that ends is logged and freed; the source itself stays up as long as it listens.
#include "sources/tcp_acceptor.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

constexpr int accepts_per_wake = 16;
constexpr std::chrono::seconds accept_pause{1};

}  // namespace

struct TcpAcceptor::Producer {
  std::string peer;
  std::unique_ptr<SinkQueue> sink;  // this connection's copy of the source's sink
  std::unique_ptr<StreamChannel> channel;
};

TcpAcceptor::TcpAcceptor(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)),
      retry_(context.poller, std::chrono::milliseconds{100}, std::chrono::milliseconds{10'000},
             [this] {
               status_->add_restart();
               open_listener();
             }),
      accept_pause_(context.poller, [this] {
        if (listener_handle_) static_cast<void>(listener_handle_->set(Interest::read));
      }) {}

TcpAcceptor::~TcpAcceptor() = default;

void TcpAcceptor::start() { open_listener(); }

void TcpAcceptor::open_listener() {
  set_state(SourceState::starting);
  const Resolved where = resolve(settings().endpoint, SOCK_STREAM);
  if (!where.ok) {
    back_off(where.error);
    return;
  }
  UniqueFd fd(::socket(where.address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(fd.get(), where.address.get(), where.address.length) != 0 || ::listen(fd.get(), 64) != 0) {
    back_off("listen on " + settings().endpoint.to_string() + ": " + std::strerror(errno));
    return;
  }
  listener_ = std::move(fd);
  listener_handle_ = std::make_unique<PollHandle>(context_.poller, listener_.get(),
                                                  [this](std::uint32_t) { accept_some(); });
  if (int rc = listener_handle_->set(Interest::read); rc != 0) {
    listener_handle_.reset();
    listener_.reset();
    back_off(std::string("watch listener: ") + std::strerror(rc));
    return;
  }
  set_state(SourceState::running);
  log_line(LogLevel::info, "source '{}': accepting producers on {}", config_.name,
           settings().endpoint.to_string());
}

void TcpAcceptor::accept_some() {
  for (int i = 0; i < accepts_per_wake; ++i) {
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    UniqueFd fd(::accept4(listener_.get(), peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return;
      // Out of descriptors or memory: the pending connection would wake us at once again.
      report_error(std::string("accept: ") + std::strerror(errno) + "; accepting again in 1 s");
      static_cast<void>(listener_handle_->set(Interest::none));
      accept_pause_.arm(accept_pause);
      return;
    }
    if (producers_.size() >= settings().max_connections) {
      status_->add_connection_refused();
      if (auto unlogged = refusal_log_.on_drop(std::chrono::steady_clock::now())) {
        log_line(LogLevel::warn,
                 "source '{}': refused a producer from {}: max_connections ({}) reached ({} more since)",
                 config_.name, peer.to_string(), settings().max_connections, *unlogged);
      }
      continue;  // closed here: the device sees the connection end at once
    }
    add_producer(std::move(fd), peer);
  }
}

void TcpAcceptor::add_producer(UniqueFd fd, const SocketAddress& peer) {
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto producer = std::make_unique<Producer>();
  Producer* p = producer.get();
  p->peer = peer.to_string();
  if (sink_) p->sink = std::make_unique<SinkQueue>(config_.framing, config_.sink_max_buffered, *status_);
  StreamFds fds;
  fds.read = std::move(fd);
  fds.write_to_read = true;
  p->channel = std::make_unique<StreamChannel>(
      context_, config_, *status_, logs_, std::move(fds), p->sink.get(),
      [this, p](StreamEnd end, int error) { on_producer_end(p, end, error); });
  if (int rc = p->channel->start(); rc != 0) {
    report_error("watch producer " + p->peer + ": " + std::strerror(rc));
    return;
  }
  producers_.push_back(std::move(producer));
  status_->set_connections(producers_.size());
  log_line(LogLevel::info, "source '{}': producer {} connected", config_.name, p->peer);
  fan_out();
}

void TcpAcceptor::on_producer_end(Producer* producer, StreamEnd end, int error) {
  switch (end) {
    case StreamEnd::eof:
      log_line(LogLevel::info, "source '{}': producer {} closed", config_.name, producer->peer);
      break;
    case StreamEnd::read_error:
    case StreamEnd::write_error:
      report_error("producer " + producer->peer + ": " + std::strerror(error));
      break;
  }
  for (auto it = producers_.begin(); it != producers_.end(); ++it) {
    if (it->get() != producer) continue;
    context_.poller.dispose(std::move(*it));
    producers_.erase(it);
    break;
  }
  status_->set_connections(producers_.size());
}

void TcpAcceptor::on_sink_ready() { fan_out(); }

void TcpAcceptor::fan_out() {
  if (!sink_ || producers_.empty()) return;  // held, within its bound, until a producer connects
  SinkQueue::Frame frame;
  while (sink_->take(frame)) {
    for (auto& p : producers_) p->sink->push(frame);
  }
  for (auto& p : producers_) p->channel->on_sink_ready();
}

void TcpAcceptor::back_off(const std::string& why) {
  const auto wait = retry_.schedule();
  report_error(why + "; trying again in " + describe_wait(wait));
  set_state(SourceState::backoff);
}

void TcpAcceptor::close() {
  retry_.cancel();
  accept_pause_.cancel();
  producers_.clear();
  status_->set_connections(0);
  listener_handle_.reset();
  listener_.reset();
}

}  // namespace sluice::relay
