// A run ends when both the process has exited and its stdout has reached its end (or stayed
// open `linger` past the exit, held by something the program started); only then is the exit
// judged against the restart policy, so the last output is never cut off by the exit.
#include "sources/exec_runner.hpp"

#include <unistd.h>

#include <csignal>
#include <cstring>

#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

constexpr std::chrono::milliseconds linger{500};
constexpr std::size_t max_stderr_line = 4096;

std::string command_line(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& arg : command) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

bool restarts_after(RestartPolicy policy, const ExitStatus& status) {
  switch (policy) {
    case RestartPolicy::always: return true;
    case RestartPolicy::on_failure: return !status.success();
    case RestartPolicy::never: return false;
  }
  return false;
}

}  // namespace

ExecRunner::ExecRunner(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)),
      retry_(context.poller, settings().restart_min, settings().restart_max,
             [this] {
               status_->add_restart();
               spawn();
             }),
      grace_(context.poller, [this] { child_.signal(SIGKILL); }),
      linger_(context.poller,
              [this] {
                // stdout outlived the program: what follows is not its output any more.
                context_.poller.dispose(std::move(channel_));
                output_open_ = false;
                maybe_finished();
              }),
      stderr_lines_(max_stderr_line, [this](std::string_view line) {
        log_line(LogLevel::info, "source '{}' stderr: {}", config_.name, line);
      }) {}

ExecRunner::~ExecRunner() { close(); }

void ExecRunner::start() { spawn(); }

void ExecRunner::spawn() {
  set_state(SourceState::starting);
  ChildProcess::Spawned spawned = ChildProcess::spawn(settings(), sink_ != nullptr);
  if (!spawned.child.running()) {
    after_exit(ExitStatus{false, 127}, spawned.error);
    return;
  }
  child_ = std::move(spawned.child);
  exit_.reset();
  StreamFds fds;
  fds.read = child_.take_output();
  fds.write_to_read = child_.on_pty();
  if (!child_.on_pty()) fds.write = child_.take_input();
  channel_ = std::make_unique<StreamChannel>(context_, config_, *status_, logs_, std::move(fds), sink_.get(),
                                             [this](StreamEnd end, int error) { on_output_end(end, error); });
  errors_ = child_.take_errors();
  errors_handle_ =
      std::make_unique<PollHandle>(context_.poller, errors_.get(), [this](std::uint32_t) { read_errors(); });
  exit_handle_ =
      std::make_unique<PollHandle>(context_.poller, child_.pidfd(), [this](std::uint32_t) { on_exit(); });
  int rc = channel_->start();
  if (rc == 0) rc = errors_handle_->set(Interest::read);
  if (rc == 0) rc = exit_handle_->set(Interest::read);
  if (rc != 0) {
    close();
    after_exit(ExitStatus{true, SIGKILL}, std::string("watching the program: ") + std::strerror(rc));
    return;
  }
  output_open_ = true;
  retry_.up();
  set_state(SourceState::running);
  log_line(LogLevel::info, "source '{}': started {} (pid {}{})", config_.name,
           command_line(settings().command), child_.pid(), child_.on_pty() ? ", on a pty" : "");
}

void ExecRunner::on_output_end(StreamEnd, int) {
  // End-of-file on a pipe, EIO on a pty's master once the program closed it: the same thing.
  context_.poller.dispose(std::move(channel_));
  output_open_ = false;
  maybe_finished();
}

void ExecRunner::on_exit() {
  static_cast<void>(exit_handle_->set(Interest::none));  // before the reap closes the pidfd
  exit_ = child_.try_reap();
  if (!exit_) {
    static_cast<void>(exit_handle_->set(Interest::read));
    return;
  }
  context_.poller.dispose(std::move(exit_handle_));
  grace_.cancel();
  if (output_open_) {
    linger_.arm(linger);
    return;
  }
  maybe_finished();
}

void ExecRunner::read_errors() {
  const auto buffer = context_.poller.scratch();
  const ssize_t n = ::read(errors_.get(), buffer.data(), buffer.size());
  if (n > 0) {
    stderr_lines_.feed(buffer.first(static_cast<std::size_t>(n)));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    close_errors();
  }
}

void ExecRunner::close_errors() {
  if (!errors_handle_) return;
  static_cast<void>(errors_handle_->set(Interest::none));
  context_.poller.dispose(std::move(errors_handle_));
  errors_.reset();
  stderr_lines_.finish();
}

void ExecRunner::maybe_finished() {
  if (!exit_ || output_open_) return;
  linger_.cancel();
  if (errors_) read_errors();  // what it wrote last, if it is there already
  close_errors();
  const ExitStatus status = *exit_;
  exit_.reset();
  if (on_stopped_) {
    log_line(LogLevel::info, "source '{}': stopped; the program {}", config_.name, status.describe());
    set_state(SourceState::stopped);
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    done();
    return;
  }
  after_exit(status, command_line(settings().command) + " " + status.describe());
}

void ExecRunner::after_exit(const ExitStatus& status, const std::string& what) {
  retry_.down();
  if (restarts_after(settings().restart, status)) {
    const auto wait = retry_.schedule();
    if (status.success()) {
      log_line(LogLevel::info, "source '{}': {}; restarting in {}", config_.name, what, describe_wait(wait));
    } else {
      report_error(what + "; restarting in " + describe_wait(wait));
    }
    set_state(SourceState::backoff);
    return;
  }
  if (status.success()) {
    log_line(LogLevel::info, "source '{}': {}; not restarting (restart = \"{}\")", config_.name, what,
             settings().restart == RestartPolicy::never ? "never" : "on-failure");
    set_state(SourceState::stopped);
  } else {
    report_error(what + "; not restarting (restart = \"never\")");
    set_state(SourceState::failed);
  }
}

void ExecRunner::stop(std::function<void()> done) {
  retry_.cancel();
  if (!child_.running() && !output_open_) {
    close();
    set_state(SourceState::stopped);
    done();
    return;
  }
  on_stopped_ = std::move(done);
  if (channel_) channel_->close_write();  // end-of-file on its stdin: a well-behaved program ends here
  child_.signal(SIGTERM);
  grace_.arm(settings().stop_grace);
}

void ExecRunner::stop_blocking() {
  on_stopped_ = nullptr;
  if (channel_) channel_->close_write();
  if (child_.running()) {
    child_.signal(SIGTERM);
    const ExitStatus status = child_.wait_for(settings().stop_grace);
    log_line(LogLevel::info, "source '{}': stopped; the program {}", config_.name, status.describe());
  }
  close();
  set_state(SourceState::stopped);
}

void ExecRunner::on_sink_ready() {
  if (channel_) channel_->on_sink_ready();
}

void ExecRunner::close() {
  retry_.cancel();
  grace_.cancel();
  linger_.cancel();
  channel_.reset();
  errors_handle_.reset();
  errors_.reset();
  exit_handle_.reset();  // before the child, whose pidfd it watches
  child_ = ChildProcess();
  output_open_ = false;
  exit_.reset();
}

}  // namespace sluice::relay
