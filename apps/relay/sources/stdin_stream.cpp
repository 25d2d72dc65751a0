// Standard input and output are duplicated, so that closing the source never frees
// descriptor 0 or 1 for something else; O_NONBLOCK is set on the shared file descriptions and
// restored when the source ends, so a terminal is left as it was found.
#include "sources/stdin_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

// Standard output is made non-blocking only when it is not where the log goes too: the log's
// writer expects a blocking descriptor.
bool same_file(int a, int b) {
  struct stat sa {};
  struct stat sb {};
  if (::fstat(a, &sa) != 0 || ::fstat(b, &sb) != 0) return true;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

StdinStream::StdinStream(SourceContext& context, SourceConfig config) : Source(context, std::move(config)) {}

StdinStream::~StdinStream() { close(); }

void StdinStream::start() {
  set_state(SourceState::starting);
  StreamFds fds;
  fds.read.reset(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
  if (!fds.read) {
    report_error(std::string("stdin: ") + std::strerror(errno));
    set_state(SourceState::failed);
    return;
  }
  if (sink_) fds.write.reset(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
  saved_flags_ = ::fcntl(fds.read.get(), F_GETFL);
  if (saved_flags_ >= 0) ::fcntl(fds.read.get(), F_SETFL, saved_flags_ | O_NONBLOCK);
  if (fds.write && !same_file(STDOUT_FILENO, STDERR_FILENO)) {
    saved_out_flags_ = ::fcntl(fds.write.get(), F_GETFL);
    if (saved_out_flags_ >= 0) ::fcntl(fds.write.get(), F_SETFL, saved_out_flags_ | O_NONBLOCK);
  }
  channel_ = std::make_unique<StreamChannel>(context_, config_, *status_, logs_, std::move(fds), sink_.get(),
                                             [this](StreamEnd end, int error) { on_end(end, error); });
  if (int rc = channel_->start(); rc != 0) {
    channel_.reset();
    report_error(std::string("stdin: ") + std::strerror(rc));
    set_state(SourceState::failed);
    return;
  }
  set_state(SourceState::running);
}

void StdinStream::on_end(StreamEnd end, int error) {
  context_.poller.dispose(std::move(channel_));
  if (end == StreamEnd::eof) {
    log_line(LogLevel::info, "source '{}': standard input ended", config_.name);
    set_state(SourceState::stopped);
  } else {
    report_error(std::string("stdin: ") + std::strerror(error));
    set_state(SourceState::failed);
  }
  close();
}

void StdinStream::on_sink_ready() {
  if (channel_) channel_->on_sink_ready();
}

void StdinStream::close() {
  channel_.reset();
  if (saved_flags_ >= 0) ::fcntl(STDIN_FILENO, F_SETFL, saved_flags_);
  if (saved_out_flags_ >= 0) ::fcntl(STDOUT_FILENO, F_SETFL, saved_out_flags_);
  saved_flags_ = -1;
  saved_out_flags_ = -1;
}

}  // namespace sluice::relay
