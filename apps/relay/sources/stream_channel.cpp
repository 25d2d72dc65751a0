// Reads and writes on one stream. The read side and the write side share one PollHandle when
// they are one descriptor, so its interest is always the union of what both want.
#include "sources/stream_channel.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "relay/log_line.hpp"

namespace sluice::relay {

StreamChannel::StreamChannel(SourceContext& context, const SourceConfig& config, SourceStatus& status,
                             SourceLogs& logs, StreamFds fds, SinkQueue* sink, OnEnd on_end)
    : context_(context),
      config_(config),
      status_(status),
      publisher_(context.relay, config, status, logs, SourceFlow::pauses, [this] { on_resume(); }),
      fds_(std::move(fds)),
      sink_(sink),
      on_end_(std::move(on_end)) {
  read_handle_ = std::make_unique<PollHandle>(context_.poller, fds_.read.get(),
                                              [this](std::uint32_t events) { on_read_io(events); });
  if (fds_.write)
    write_handle_ = std::make_unique<PollHandle>(context_.poller, fds_.write.get(),
                                                 [this](std::uint32_t events) { on_write_io(events); });
}

StreamChannel::~StreamChannel() { set_paused(false); }

int StreamChannel::write_fd() const {
  if (fds_.write_to_read) return fds_.read.get();
  return fds_.write ? fds_.write.get() : -1;
}

int StreamChannel::start() {
  want_write_ = sink_ != nullptr && !sink_->empty();
  if (int rc = read_handle_->set(fds_.write_to_read && want_write_ ? Interest::read_write : Interest::read))
    return rc;
  if (write_handle_ && want_write_) return write_handle_->set(Interest::write);
  return 0;
}

void StreamChannel::update_interest() {
  if (ended_) return;
  if (fds_.write_to_read) {
    const Interest both = paused_ ? Interest::write : Interest::read_write;
    const Interest read_only = paused_ ? Interest::none : Interest::read;
    static_cast<void>(read_handle_->set(want_write_ ? both : read_only));
  } else {
    static_cast<void>(read_handle_->set(paused_ ? Interest::none : Interest::read));
  }
  if (!fds_.write_to_read && write_handle_) {
    static_cast<void>(write_handle_->set(want_write_ ? Interest::write : Interest::none));
  }
}

void StreamChannel::on_sink_ready() {
  if (ended_ || sink_ == nullptr) return;
  if (write_fd() < 0) {
    // Nowhere to write (the child closed its stdin): what arrives is dropped, and counted.
    sink_->drop_all(SinkDrop::cut_off);
    return;
  }
  if (!want_write_) {
    want_write_ = true;
    update_interest();
  }
}

void StreamChannel::on_read_io(std::uint32_t events) {
  if (ended_) return;
  if (fds_.write_to_read && want_write_ && (events & io::writable)) {
    write_sink();
    if (ended_) return;
  }
  if ((events & io::readable) && !paused_) read_once();  // a hang-up reports readable even when paused
}

void StreamChannel::on_write_io(std::uint32_t events) {
  if (!ended_ && (events & io::writable)) write_sink();
}

void StreamChannel::read_once() {
  const auto buffer = context_.poller.scratch();
  ssize_t n;
  do {
    n = ::read(fds_.read.get(), buffer.data(), buffer.size());
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    publisher_.feed(buffer.first(static_cast<std::size_t>(n)));
    if (publisher_.holding()) {
      set_paused(true);
      update_interest();
    }
  } else if (n == 0) {
    end(StreamEnd::eof, 0);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    end(StreamEnd::read_error, errno);
  }
}

void StreamChannel::write_sink() {
  int error = 0;
  switch (sink_->write_to(write_fd(), error)) {
    case SinkWrite::drained:
      want_write_ = false;
      update_interest();
      return;
    case SinkWrite::would_block: return;
    case SinkWrite::failed:
      if (fds_.write_to_read) {
        end(StreamEnd::write_error, error);
      } else {
        lose_stdin(error);
      }
      return;
  }
}

void StreamChannel::lose_stdin(int error) {
  log_line(LogLevel::warn,
           "source '{}': writing to the program's stdin failed ({}); sink messages are dropped", config_.name,
           std::strerror(error));
  close_write();
}

void StreamChannel::close_write() {
  if (fds_.write_to_read || !fds_.write) return;
  if (sink_ != nullptr) {
    sink_->cut_off();
    sink_->drop_all(SinkDrop::cut_off);
  }
  // The handle may be the caller (a failed write): it leaves the set now and is freed later.
  static_cast<void>(write_handle_->set(Interest::none));
  context_.poller.dispose(std::move(write_handle_));
  fds_.write.reset();
  want_write_ = false;
}

void StreamChannel::set_paused(bool paused) {
  if (paused == paused_) return;
  paused_ = paused;
  status_.set_stream_paused(paused);
}

void StreamChannel::on_resume() {
  set_paused(false);
  if (!pending_end_) {
    update_interest();
    return;
  }
  const auto [how, error] = *pending_end_;
  pending_end_.reset();
  on_end_(how, error);  // may defer this channel's destruction; nothing follows here
}

void StreamChannel::end(StreamEnd how, int error) {
  ended_ = true;
  static_cast<void>(read_handle_->set(Interest::none));
  if (write_handle_) static_cast<void>(write_handle_->set(Interest::none));
  if (sink_ != nullptr) sink_->cut_off();
  publisher_.finish();
  if (publisher_.holding()) {
    // Everything read is published before the owner hears of the end.
    set_paused(true);
    pending_end_.emplace(how, error);
    return;
  }
  on_end_(how, error);  // may defer this channel's destruction; nothing follows here
}

}  // namespace sluice::relay
