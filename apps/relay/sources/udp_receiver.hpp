// UdpReceiver: `type = "udp"`: one datagram, one message. Datagrams are read in batches with
// recvmmsg into buffers sized once (max_frame + 1 per slot, so a longer datagram shows as too
// long and is dropped as oversized); the socket asks for a large receive buffer (recv_buffer:
// SO_RCVBUFFORCE where permitted, else SO_RCVBUF, and the log says what the kernel granted) and
// counts the datagrams the kernel dropped before they were read (SO_RXQ_OVFL), reported as
// kernel_drops. A datagram source never pauses: under backpressure the engine refuses the send
// to the subscriber that is full and counts it. A sink sends each message as a datagram to the
// address the latest datagram came from.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "sources/frame_publisher.hpp"
#include "sources/retry.hpp"
#include "sources/socket_address.hpp"
#include "sources/source.hpp"

namespace sluice::relay {

class UdpReceiver final : public Source {
 public:
  UdpReceiver(SourceContext& context, SourceConfig config);
  ~UdpReceiver() override;
  void start() override;

 private:
  struct Batch;

  void close() override;
  void on_sink_ready() override;
  void open_socket();
  void size_receive_buffer();
  void on_io(std::uint32_t events);
  bool receive_batch();
  void note_kernel_drops(std::uint32_t counter);
  void send_sink();
  void back_off(const std::string& why);

  const UdpSource& settings() const { return std::get<UdpSource>(config_.settings); }

  Retry retry_;
  FramePublisher publisher_;
  std::unique_ptr<Batch> batch_;
  UniqueFd socket_;
  std::unique_ptr<PollHandle> handle_;  // after socket_
  bool want_write_ = false;
  bool have_peer_ = false;
  SocketAddress peer_;  // where the latest datagram came from: the sink's destination
  // SO_RXQ_OVFL reports the socket's running total as 32 bits: drops are summed from its deltas,
  // across sockets when the source reopens.
  std::uint32_t last_counter_ = 0;
  std::uint64_t kernel_drops_ = 0;
};

}  // namespace sluice::relay
