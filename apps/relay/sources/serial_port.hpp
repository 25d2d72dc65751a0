// SerialPort: a serial port (`type = "serial"`), opened in raw mode with the configured rate,
// data bits, parity, stop bits and flow control. When the device disappears (unplugged: reads
// fail with EIO or see a hang-up) or cannot be opened, the source backs off and reopens it, and
// its state says so; a sink writes back to the same port.
#pragma once

#include <memory>

#include "sources/retry.hpp"
#include "sources/source.hpp"
#include "sources/stream_channel.hpp"

namespace sluice::relay {

class SerialPort final : public Source {
 public:
  SerialPort(SourceContext& context, SourceConfig config);
  void start() override;

 private:
  void close() override;
  void on_sink_ready() override;
  void open_device();
  void on_end(StreamEnd end, int error);
  void back_off(const std::string& why);

  const SerialSource& settings() const { return std::get<SerialSource>(config_.settings); }

  Retry retry_;
  std::unique_ptr<StreamChannel> channel_;
};

}  // namespace sluice::relay
