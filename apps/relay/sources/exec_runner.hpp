// ExecRunner: `type = "exec"`: runs a program and reads its stdout as the stream; its stderr
// goes to the relay's log line by line; a sink writes to its stdin (with pty = true, stdin and
// stdout are one pseudo-terminal). When the program ends, `restart` decides: "always" starts it
// again, "on-failure" only after a non-zero exit or a signal, "never" not; each restart waits
// out a full-jitter backoff (restart_min doubling to restart_max). Stopping is graceful: its
// stdin is closed and its process group gets SIGTERM, then SIGKILL after stop_grace.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "sources/child_process.hpp"
#include "sources/retry.hpp"
#include "sources/source.hpp"
#include "sources/stderr_lines.hpp"
#include "sources/stream_channel.hpp"

namespace sluice::relay {

class ExecRunner final : public Source {
 public:
  ExecRunner(SourceContext& context, SourceConfig config);
  ~ExecRunner() override;
  void start() override;
  void stop(std::function<void()> done) override;
  void stop_blocking() override;

 private:
  void close() override;
  void on_sink_ready() override;
  void spawn();
  void on_output_end(StreamEnd end, int error);
  void on_exit();
  void read_errors();
  void maybe_finished();
  // Applies the restart policy to a run that ended (or never started) with `status`.
  void after_exit(const ExitStatus& status, const std::string& what);
  void close_errors();

  const ExecSource& settings() const { return std::get<ExecSource>(config_.settings); }

  Retry retry_;
  SourceTimer grace_;   // SIGKILL when a stopping child outlives stop_grace
  SourceTimer linger_;  // after the exit, how long stdout may stay open (a grandchild holding it)
  ChildProcess child_;
  std::optional<ExitStatus> exit_;
  bool output_open_ = false;
  std::function<void()> on_stopped_;  // set while stopping
  StderrLines stderr_lines_;
  UniqueFd errors_;
  std::unique_ptr<StreamChannel> channel_;
  std::unique_ptr<PollHandle> errors_handle_;  // after errors_
  std::unique_ptr<PollHandle> exit_handle_;    // on the child's pidfd
};

}  // namespace sluice::relay
