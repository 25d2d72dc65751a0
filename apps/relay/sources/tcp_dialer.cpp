// A non-blocking connect: EINPROGRESS, then the socket turns writable and SO_ERROR tells how
// it went. An attempt that neither succeeds nor fails within connect_timeout is abandoned.
#include "sources/tcp_dialer.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

// Long enough for any reachable peer to answer; a dead route still retries twice a minute.
constexpr std::chrono::seconds connect_timeout{10};

}  // namespace

TcpDialer::TcpDialer(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)),
      retry_(context.poller, settings().reconnect_min, settings().reconnect_max,
             [this] {
               status_->add_restart();
               attempt();
             }),
      connect_timeout_(context.poller, [this] {
        drop_attempt();
        back_off("connect to " + settings().endpoint.to_string() + ": no answer within " +
                 describe_wait(connect_timeout));
      }) {}

void TcpDialer::start() { attempt(); }

void TcpDialer::attempt() {
  set_state(SourceState::starting);
  SocketAddress address;
  if (numeric_address(settings().endpoint, address)) {
    connect_to(address);
    return;
  }
  resolution_ = std::make_unique<AsyncResolution>(context_.poller, settings().endpoint, SOCK_STREAM,
                                                  [this](Resolved answer) {
                                                    context_.poller.dispose(std::move(resolution_));
                                                    if (!answer.ok) {
                                                      back_off(answer.error);
                                                      return;
                                                    }
                                                    connect_to(answer.address);
                                                  });
}

void TcpDialer::connect_to(const SocketAddress& address) {
  peer_ = address;
  connecting_fd_.reset(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!connecting_fd_) {
    back_off(std::string("socket: ") + std::strerror(errno));
    return;
  }
  const int one = 1;
  ::setsockopt(connecting_fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(connecting_fd_.get(), address.get(), address.length) != 0 && errno != EINPROGRESS) {
    const int error = errno;
    drop_attempt();
    back_off("connect to " + address.to_string() + ": " + std::strerror(error));
    return;
  }
  connecting_handle_ = std::make_unique<PollHandle>(context_.poller, connecting_fd_.get(),
                                                    [this](std::uint32_t) { on_connect_io(); });
  if (int rc = connecting_handle_->set(Interest::write); rc != 0) {
    drop_attempt();
    back_off(std::string("watch socket: ") + std::strerror(rc));
    return;
  }
  connect_timeout_.arm(connect_timeout);
}

void TcpDialer::on_connect_io() {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(connecting_fd_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error == EINPROGRESS || error == EALREADY) return;
  if (error != 0) {
    drop_attempt();
    back_off("connect to " + peer_.to_string() + ": " + std::strerror(error));
    return;
  }
  on_connected();
}

void TcpDialer::on_connected() {
  connect_timeout_.cancel();
  // The channel registers the same socket: this handle leaves the set first.
  static_cast<void>(connecting_handle_->set(Interest::none));
  context_.poller.dispose(std::move(connecting_handle_));
  StreamFds fds;
  fds.read = std::move(connecting_fd_);
  fds.write_to_read = true;
  channel_ = std::make_unique<StreamChannel>(context_, config_, *status_, logs_, std::move(fds), sink_.get(),
                                             [this](StreamEnd end, int error) { on_end(end, error); });
  if (int rc = channel_->start(); rc != 0) {
    context_.poller.dispose(std::move(channel_));
    back_off(std::string("watch socket: ") + std::strerror(rc));
    return;
  }
  retry_.up();
  set_state(SourceState::running);
  log_line(LogLevel::info, "source '{}': connected to {}", config_.name, peer_.to_string());
}

void TcpDialer::on_end(StreamEnd end, int error) {
  context_.poller.dispose(std::move(channel_));
  retry_.down();
  const std::string peer = peer_.to_string();
  switch (end) {
    case StreamEnd::eof: back_off(peer + " closed the connection"); return;
    case StreamEnd::read_error: back_off("read from " + peer + ": " + std::strerror(error)); return;
    case StreamEnd::write_error: back_off("write to " + peer + ": " + std::strerror(error)); return;
  }
}

void TcpDialer::drop_attempt() {
  connect_timeout_.cancel();
  // The handle may be the caller: it goes after this turn, and the socket with it.
  if (connecting_handle_) {
    struct Attempt {
      UniqueFd fd;
      std::unique_ptr<PollHandle> handle;  // after fd: goes first
    };
    auto attempt = std::make_unique<Attempt>();
    attempt->handle = std::move(connecting_handle_);
    attempt->fd = std::move(connecting_fd_);
    static_cast<void>(attempt->handle->set(Interest::none));
    context_.poller.dispose(std::move(attempt));
  }
  connecting_fd_.reset();
}

void TcpDialer::back_off(const std::string& why) {
  const auto wait = retry_.schedule();
  report_error(why + "; reconnecting in " + describe_wait(wait));
  set_state(SourceState::backoff);
}

void TcpDialer::on_sink_ready() {
  if (channel_) channel_->on_sink_ready();
}

void TcpDialer::close() {
  retry_.cancel();
  connect_timeout_.cancel();
  resolution_.reset();
  connecting_handle_.reset();
  connecting_fd_.reset();
  channel_.reset();
}

}  // namespace sluice::relay
