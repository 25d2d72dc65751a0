// ChildProcess: a program an exec source runs: started with posix_spawn, without a shell (argv
// as configured, the program found on PATH), in a session of its own, with stdout and stderr on
// pipes, or its stdin and stdout on a pseudo-terminal (pty = true) so that its C library
// line-buffers them.
// A pidfd says when it exits. The object owns the process: destroying it while the child runs
// kills the child's process group and reaps it, so no child outlives its source.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "sources/unique_fd.hpp"

namespace sluice::relay {

// How a child ended.
struct ExitStatus {
  bool signaled = false;
  int value = 0;  // the exit code, or the signal number

  bool success() const { return !signaled && value == 0; }
  std::string describe() const;  // "exited with status 3", "was killed by signal 9 (Killed)"
};

class ChildProcess {
 public:
  struct Spawned;
  // Starts the program. `with_stdin`: a pipe the parent writes to (without it, and without a
  // pty, the child's stdin is /dev/null). On failure, why, as a log line would say it:
  // "python9: not found on PATH", "chdir /opt/sensor: No such file or directory".
  static Spawned spawn(const ExecSource& settings, bool with_stdin);

  ChildProcess() = default;
  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) noexcept;
  ~ChildProcess();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }

  // The parent's ends, non-blocking and close-on-exec. With a pty, output() is the pty's master,
  // which input() leaves invalid: write to the master.
  UniqueFd take_output() { return std::move(output_); }
  UniqueFd take_errors() { return std::move(errors_); }
  UniqueFd take_input() { return std::move(input_); }
  bool on_pty() const { return on_pty_; }

  // Signals the child's process group (the child and what it started).
  void signal(int signo) const;
  // The exit status once the child has ended (the pidfd turned readable); it is then reaped.
  std::optional<ExitStatus> try_reap();
  // Blocks up to `grace` for the child to end, then kills the group and reaps. For the relay's
  // own exit, when no loop runs any more.
  ExitStatus wait_for(std::chrono::milliseconds grace);

 private:
  void kill_and_reap();

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd output_;
  UniqueFd errors_;
  UniqueFd input_;
  bool on_pty_ = false;
};

struct ChildProcess::Spawned {
  ChildProcess child;  // running() is false on failure
  std::string error;
};

// The file to execute for `program`: as given when it holds a '/', else the first executable
// match on `path` (a PATH value). Empty when there is none.
std::string find_program(const std::string& program, const std::string& path);

}  // namespace sluice::relay
