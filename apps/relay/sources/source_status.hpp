// SourceStatus: what one source reports about itself (GET /sources, the stats snapshot): its
// state and last error, and counters for what came in, what was dropped and why, and what went
// back out through its sink. The source's loop thread writes it; HTTP handlers on any worker
// thread read it, so counters are relaxed atomics and the state and error sit under a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "metrics/relay_labels.hpp"
#include "sources/framing/framing.hpp"

namespace sluice::relay {

inline constexpr std::size_t frame_drop_reason_count = 3;  // DropReason: oversized, malformed, truncated
static_assert(static_cast<std::size_t>(DropReason::truncated) + 1 == frame_drop_reason_count);

// Why a message on the way back to the device was dropped.
enum class SinkDrop : std::uint8_t {
  full,         // the sink queue held sink_max_buffered bytes already
  unencodable,  // the framing cannot carry it (a line with an LF, a len16 message over 65535 bytes)
  cut_off,      // the device, peer or child went away with the message partly written
};
inline constexpr std::size_t sink_drop_count = 3;
static_assert(static_cast<std::size_t>(SinkDrop::cut_off) + 1 == sink_drop_count);
std::string_view to_string(SinkDrop reason);

// A plain copy of the figures, for JSON and tests.
struct SourceStatusSnapshot {
  std::string name;
  SourceType type = SourceType::demo;
  std::string topic;
  std::string sink_topic;
  SourceState state = SourceState::starting;
  std::string last_error;                 // empty: none since the source started
  std::uint64_t messages = 0;             // published
  std::uint64_t messages_per_second = 0;  // over the last whole second sampled
  std::uint64_t bytes = 0;                // read, framing included
  std::array<std::uint64_t, frame_drop_reason_count> frames_dropped{};  // by DropReason
  std::uint64_t publish_refused = 0;      // frames the relay refused (over max_message_size, not allowed)
  std::uint64_t kernel_drops = 0;         // datagrams the kernel dropped before the source read them
  std::uint64_t errors = 0;               // open, connect, read and spawn failures
  std::uint64_t restarts = 0;             // reopens, reconnects and child restarts
  std::uint64_t pauses = 0;               // times backpressure stopped its reading
  std::uint64_t connections = 0;          // tcp listen: producers connected now
  std::uint64_t connections_refused = 0;  // tcp listen: over max_connections
  std::uint64_t sink_messages = 0;        // written to the device
  std::uint64_t sink_bytes = 0;
  std::uint64_t sink_queued_bytes = 0;                        // waiting now
  std::array<std::uint64_t, sink_drop_count> sink_dropped{};  // by SinkDrop

  std::uint64_t frames_dropped_total() const {
    return frames_dropped[0] + frames_dropped[1] + frames_dropped[2];
  }
};

class SourceStatus {
 public:
  explicit SourceStatus(const SourceConfig& config);

  // `running` reads as `paused` while any of the source's streams is paused by backpressure.
  void set_state(SourceState state);
  SourceState state() const;
  // One stream of the source stopped reading for backpressure (true), or resumed (false).
  void set_stream_paused(bool paused);
  // Records a failure: the error becomes last_error and the errors counter goes up.
  void error(std::string what);

  void add_message() { messages_.fetch_add(1, relaxed); }
  void add_bytes(std::uint64_t n) { bytes_.fetch_add(n, relaxed); }
  void add_frame_drop(DropReason r) { frames_dropped_[static_cast<std::size_t>(r)].fetch_add(1, relaxed); }
  void add_publish_refused() { publish_refused_.fetch_add(1, relaxed); }
  void set_kernel_drops(std::uint64_t total) { kernel_drops_.store(total, relaxed); }
  void add_restart() { restarts_.fetch_add(1, relaxed); }
  void add_pause() { pauses_.fetch_add(1, relaxed); }
  void set_connections(std::uint64_t n) { connections_.store(n, relaxed); }
  void add_connection_refused() { connections_refused_.fetch_add(1, relaxed); }
  void add_sink_written(std::uint64_t messages, std::uint64_t bytes) {
    sink_messages_.fetch_add(messages, relaxed);
    sink_bytes_.fetch_add(bytes, relaxed);
  }
  void set_sink_queued(std::uint64_t bytes) { sink_queued_bytes_.store(bytes, relaxed); }
  void add_sink_drop(SinkDrop r) { sink_dropped_[static_cast<std::size_t>(r)].fetch_add(1, relaxed); }

  // Called once a second: messages_per_second becomes the messages published since the last call.
  void sample_rate();

  std::uint64_t kernel_drops() const { return kernel_drops_.load(relaxed); }
  SourceStatusSnapshot snapshot() const;

 private:
  static constexpr auto relaxed = std::memory_order_relaxed;
  using Counter = std::atomic<std::uint64_t>;

  const std::string name_;
  const SourceType type_;
  const std::string topic_;
  const std::string sink_topic_;
  mutable std::mutex mutex_;
  SourceState state_ = SourceState::starting;
  int paused_streams_ = 0;
  std::string last_error_;
  Counter messages_{0}, bytes_{0}, publish_refused_{0}, kernel_drops_{0}, errors_{0}, restarts_{0},
      pauses_{0};
  Counter connections_{0}, connections_refused_{0};
  Counter sink_messages_{0}, sink_bytes_{0}, sink_queued_bytes_{0};
  Counter messages_per_second_{0};
  std::uint64_t messages_at_sample_ = 0;  // the sampling thread's own
  std::array<Counter, frame_drop_reason_count> frames_dropped_{};
  std::array<Counter, sink_drop_count> sink_dropped_{};
};

}  // namespace sluice::relay
