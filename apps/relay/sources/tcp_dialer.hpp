// TcpDialer: `type = "tcp"` with `connect`: the relay dials out to a device or server
// and reads its stream. A refused, failed, timed-out or ended connection is retried after a
// full-jitter backoff (reconnect_min doubling up to reconnect_max); the state shows starting
// while it connects, running once connected, and backoff between attempts. A sink writes back
// on the same connection.
#pragma once

#include <memory>

#include "sources/retry.hpp"
#include "sources/socket_address.hpp"
#include "sources/source.hpp"
#include "sources/stream_channel.hpp"

namespace sluice::relay {

class TcpDialer final : public Source {
 public:
  TcpDialer(SourceContext& context, SourceConfig config);
  void start() override;

 private:
  void close() override;
  void on_sink_ready() override;
  void attempt();
  void connect_to(const SocketAddress& address);
  void on_connect_io();
  void on_connected();
  void on_end(StreamEnd end, int error);
  void back_off(const std::string& why);
  void drop_attempt();

  const TcpSource& settings() const { return std::get<TcpSource>(config_.settings); }

  Retry retry_;
  SourceTimer connect_timeout_;
  std::unique_ptr<AsyncResolution> resolution_;
  UniqueFd connecting_fd_;
  std::unique_ptr<PollHandle> connecting_handle_;  // after connecting_fd_
  SocketAddress peer_;
  std::unique_ptr<StreamChannel> channel_;
};

}  // namespace sluice::relay
