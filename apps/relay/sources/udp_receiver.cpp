// Up to four recvmmsg batches per wake-up, then back to the loop: a flood of datagrams cannot
// starve connections, and the kernel's buffer holds what arrives in between.
#include "sources/udp_receiver.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/units.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

constexpr std::size_t max_udp_payload = 65'507;
constexpr std::size_t batch_memory = 1 << 20;  // receive buffers of one source, at most about this
constexpr std::size_t max_batch = 64;
constexpr int batches_per_wake = 4;

}  // namespace

struct UdpReceiver::Batch {
  explicit Batch(std::size_t max_frame)
      : slot(std::min(max_frame, max_udp_payload) + 1),
        count(std::clamp<std::size_t>(batch_memory / slot, 1, max_batch)),
        buffers(std::make_unique_for_overwrite<std::uint8_t[]>(slot * count)),
        headers(count),
        iovecs(count),
        controls(count),
        peers(count) {}

  void prepare() {
    for (std::size_t i = 0; i < count; ++i) {
      iovecs[i] = {buffers.get() + i * slot, slot};
      msghdr& h = headers[i].msg_hdr;
      h = msghdr{};
      h.msg_iov = &iovecs[i];
      h.msg_iovlen = 1;
      h.msg_name = &peers[i];
      h.msg_namelen = sizeof peers[i];
      h.msg_control = controls[i].bytes;
      h.msg_controllen = sizeof controls[i].bytes;
      headers[i].msg_len = 0;
    }
  }

  struct Control {
    alignas(cmsghdr) std::uint8_t bytes[CMSG_SPACE(sizeof(std::uint32_t))];
  };
  std::size_t slot;
  std::size_t count;
  std::unique_ptr<std::uint8_t[]> buffers;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iovecs;
  std::vector<Control> controls;
  std::vector<sockaddr_storage> peers;
};

UdpReceiver::UdpReceiver(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)),
      retry_(context.poller, std::chrono::milliseconds{100}, std::chrono::milliseconds{10'000},
             [this] {
               status_->add_restart();
               open_socket();
             }),
      publisher_(context.relay, config_, *status_, logs_, SourceFlow::never_pauses) {}

UdpReceiver::~UdpReceiver() = default;

void UdpReceiver::start() { open_socket(); }

void UdpReceiver::open_socket() {
  set_state(SourceState::starting);
  const Resolved where = resolve(settings().listen, SOCK_DGRAM);
  if (!where.ok) {
    back_off(where.error);
    return;
  }
  UniqueFd fd(::socket(where.address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd || ::bind(fd.get(), where.address.get(), where.address.length) != 0) {
    back_off("bind " + settings().listen.to_string() + ": " + std::strerror(errno));
    return;
  }
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one) != 0)
    log_line(LogLevel::warn, "source '{}': SO_RXQ_OVFL: {}; kernel drops will not be counted", config_.name,
             std::strerror(errno));
  socket_ = std::move(fd);
  last_counter_ = 0;
  size_receive_buffer();
  if (!batch_) batch_ = std::make_unique<Batch>(config_.max_frame);
  handle_ =
      std::make_unique<PollHandle>(context_.poller, socket_.get(), [this](std::uint32_t e) { on_io(e); });
  if (int rc = handle_->set(Interest::read); rc != 0) {
    handle_.reset();
    socket_.reset();
    back_off(std::string("watch socket: ") + std::strerror(rc));
    return;
  }
  set_state(SourceState::running);
}

void UdpReceiver::size_receive_buffer() {
  const std::size_t asked = settings().recv_buffer;
  const std::string where = settings().listen.to_string();
  if (asked == 0) {
    log_line(LogLevel::info, "source '{}': receiving datagrams on {}", config_.name, where);
    return;
  }
  const int value = static_cast<int>(std::min<std::size_t>(asked, 1u << 30));
  const char* how = "SO_RCVBUFFORCE";
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof value) != 0) {
    how = "SO_RCVBUF";  // without CAP_NET_ADMIN: capped at net.core.rmem_max
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &value, sizeof value);
  }
  int granted = 0;
  socklen_t length = sizeof granted;
  ::getsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &granted, &length);
  // The kernel reports twice what it grants for data: the other half is its bookkeeping.
  const std::size_t usable = static_cast<std::size_t>(granted) / 2;
  if (usable >= asked) {
    log_line(LogLevel::info, "source '{}': receiving datagrams on {}; receive buffer {} ({})", config_.name,
             where, format_size(asked), how);
  } else {
    log_line(LogLevel::warn,
             "source '{}': receiving datagrams on {}; asked for a {} receive buffer, the kernel granted {} "
             "({}; raise net.core.rmem_max, or run with CAP_NET_ADMIN)",
             config_.name, where, format_size(asked), format_size(usable), how);
  }
}

void UdpReceiver::on_io(std::uint32_t events) {
  if ((events & io::writable) && want_write_) send_sink();
  if (!(events & io::readable)) return;
  for (int i = 0; i < batches_per_wake; ++i) {
    if (!receive_batch()) return;
  }
}

bool UdpReceiver::receive_batch() {
  batch_->prepare();
  const int n =
      ::recvmmsg(socket_.get(), batch_->headers.data(), static_cast<unsigned>(batch_->count), 0, nullptr);
  if (n <= 0) {
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      report_error(std::string("recvmmsg: ") + std::strerror(errno));
    return false;
  }
  for (int i = 0; i < n; ++i) {
    msghdr& h = batch_->headers[i].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t counter = 0;
        std::memcpy(&counter, CMSG_DATA(c), sizeof counter);
        note_kernel_drops(counter);
      }
    }
    publisher_.feed(
        {batch_->buffers.get() + static_cast<std::size_t>(i) * batch_->slot, batch_->headers[i].msg_len});
  }
  std::memcpy(&peer_.storage, &batch_->peers[n - 1], sizeof peer_.storage);
  peer_.length = batch_->headers[n - 1].msg_hdr.msg_namelen;
  if (!have_peer_) {
    have_peer_ = true;
    if (sink_ && !sink_->empty()) on_sink_ready();
  }
  return static_cast<std::size_t>(n) == batch_->count;
}

void UdpReceiver::note_kernel_drops(std::uint32_t counter) {
  if (counter == last_counter_) return;
  kernel_drops_ += static_cast<std::uint32_t>(counter - last_counter_);  // modulo 2^32
  last_counter_ = counter;
  status_->set_kernel_drops(kernel_drops_);
}

void UdpReceiver::on_sink_ready() {
  if (!socket_ || !have_peer_) return;  // held, within its bound, until a device is heard from
  send_sink();
}

void UdpReceiver::send_sink() {
  int error = 0;
  const SinkWrite w = sink_->send_to(socket_.get(), peer_.get(), peer_.length, error);
  if (w == SinkWrite::failed) {
    // One bad destination must not stop the source: what was queued for it is dropped.
    report_error("send to " + peer_.to_string() + ": " + std::strerror(error));
    sink_->cut_off();
    sink_->drop_all(SinkDrop::cut_off);
  }
  const bool want = w == SinkWrite::would_block;
  if (want != want_write_) {
    want_write_ = want;
    static_cast<void>(handle_->set(want ? Interest::read_write : Interest::read));
  }
}

void UdpReceiver::back_off(const std::string& why) {
  const auto wait = retry_.schedule();
  report_error(why + "; trying again in " + describe_wait(wait));
  set_state(SourceState::backoff);
}

void UdpReceiver::close() {
  retry_.cancel();
  handle_.reset();
  socket_.reset();
  if (sink_) sink_->drop_all(SinkDrop::cut_off);
}

}  // namespace sluice::relay
