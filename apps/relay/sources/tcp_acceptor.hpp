// TcpAcceptor: `type = "tcp"` with `listen`: devices connect in, and each connection is a
// producer with its own framing decoder, all publishing to the source's topic. At most
// max_connections are served at once; one more is accepted and closed at once (counted and
// logged), so the device sees a clear refusal rather than a hang. A sink writes every message
// back to each connected producer, through a queue of its own per connection.
#pragma once

#include <list>
#include <memory>

#include "sources/retry.hpp"
#include "sources/socket_address.hpp"
#include "sources/source.hpp"
#include "sources/stream_channel.hpp"

namespace sluice::relay {

class TcpAcceptor final : public Source {
 public:
  TcpAcceptor(SourceContext& context, SourceConfig config);
  ~TcpAcceptor() override;
  void start() override;

 private:
  struct Producer;

  void close() override;
  void on_sink_ready() override;
  void open_listener();
  void accept_some();
  void add_producer(UniqueFd fd, const SocketAddress& peer);
  void on_producer_end(Producer* producer, StreamEnd end, int error);
  void fan_out();
  void back_off(const std::string& why);

  const TcpSource& settings() const { return std::get<TcpSource>(config_.settings); }

  Retry retry_;
  SourceTimer accept_pause_;  // out of descriptors: accept again after a pause
  UniqueFd listener_;
  std::unique_ptr<PollHandle> listener_handle_;  // after listener_
  std::list<std::unique_ptr<Producer>> producers_;
  BurstLog refusal_log_;
};

}  // namespace sluice::relay
