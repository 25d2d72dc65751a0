// Open, configure, read; on any failure, close and come back after the backoff.
#include "sources/serial_port.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "relay/log_line.hpp"
#include "sources/serial_settings.hpp"

namespace sluice::relay {

namespace {

// Reads the device's settings, applies the source's and writes them back: 0, or the errno.
int configure_serial_port(int fd, const SerialSource& settings) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) return errno;
  if (!apply_serial_settings(t, settings)) return EINVAL;
  if (::tcsetattr(fd, TCSANOW, &t) != 0) return errno;
  return 0;
}

}  // namespace

SerialPort::SerialPort(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)),
      retry_(context.poller, settings().reopen_min, settings().reopen_max, [this] {
        status_->add_restart();
        open_device();
      }) {}

void SerialPort::start() { open_device(); }

void SerialPort::open_device() {
  set_state(SourceState::starting);
  const std::string& device = settings().device;
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    back_off("open " + device + ": " + std::strerror(errno));
    return;
  }
  if (int rc = configure_serial_port(fd.get(), settings()); rc != 0) {
    back_off("configure " + device + ": " + std::strerror(rc));
    return;
  }
  StreamFds fds;
  fds.read = std::move(fd);
  fds.write_to_read = true;
  channel_ = std::make_unique<StreamChannel>(context_, config_, *status_, logs_, std::move(fds), sink_.get(),
                                             [this](StreamEnd end, int error) { on_end(end, error); });
  if (int rc = channel_->start(); rc != 0) {
    channel_.reset();
    back_off("watch " + device + ": " + std::strerror(rc));
    return;
  }
  retry_.up();
  set_state(SourceState::running);
  log_line(LogLevel::info, "source '{}': {} open at {} baud", config_.name, device, settings().baud);
}

void SerialPort::on_end(StreamEnd end, int error) {
  context_.poller.dispose(std::move(channel_));
  retry_.down();
  const std::string& device = settings().device;
  switch (end) {
    case StreamEnd::eof: back_off(device + " closed"); return;
    case StreamEnd::read_error: back_off("read " + device + ": " + std::strerror(error)); return;
    case StreamEnd::write_error: back_off("write " + device + ": " + std::strerror(error)); return;
  }
}

void SerialPort::back_off(const std::string& why) {
  const auto wait = retry_.schedule();
  report_error(why + "; reopening in " + describe_wait(wait));
  set_state(SourceState::backoff);
}

void SerialPort::on_sink_ready() {
  if (channel_) channel_->on_sink_ready();
}

void SerialPort::close() {
  retry_.cancel();
  channel_.reset();
}

}  // namespace sluice::relay
