// Source: one [[source]] entry at work: a device, socket, program or generator the relay reads
// messages from and publishes to the source's topic, and, with a sink_topic, writes messages
// back to. Every source runs on the server's first loop, through the SourcePoller; each type is
// a subclass in its own file, and source_factory.hpp makes the right one for a configuration.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "relay/relay.hpp"
#include "sources/frame_publisher.hpp"
#include "sources/sink_queue.hpp"
#include "sources/source_poller.hpp"
#include "sources/source_status.hpp"

namespace sluice::relay {

// What every source works with.
struct SourceContext {
  SourcePoller& poller;
  Relay& relay;
};

class Source {
 public:
  Source(SourceContext& context, SourceConfig config);
  virtual ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Opens, binds, connects or spawns. A failure does not throw: it shows in the status, is
  // logged, and is retried with backoff where the type retries.
  virtual void start() = 0;
  // Stops reading and writing and lets go of what the source holds. A child process is asked
  // to end first (stdin closed, SIGTERM, SIGKILL after stop_grace): `done` runs on the loop once
  // the source has fully stopped, which for the other types is before stop() returns.
  virtual void stop(std::function<void()> done);
  // At exit, once the loops have ended: as stop(), waiting for a child for up to its grace.
  virtual void stop_blocking() {
    stop([] {});
  }

  const SourceConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  const std::shared_ptr<SourceStatus>& status() const { return status_; }

 protected:
  // Ends reading and writing now; the stop()s call it.
  virtual void close() = 0;
  // The sink's queue turned non-empty: the target should be written when writable.
  virtual void on_sink_ready() {}

  void set_state(SourceState state);
  // A failure: logged as one line, and recorded as the status's last error.
  void report_error(std::string what);

  SourceContext& context_;
  const SourceConfig config_;
  std::shared_ptr<SourceStatus> status_;
  SourceLogs logs_;
  std::unique_ptr<SinkQueue> sink_;  // with a sink_topic only

 private:
  Relay::SinkId sink_id_ = 0;
};

}  // namespace sluice::relay
