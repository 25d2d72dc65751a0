// Snapshots read every counter once; the state and the last error are copied under the mutex.
#include "sources/source_status.hpp"

namespace sluice::relay {

std::string_view to_string(SinkDrop reason) {
  switch (reason) {
    case SinkDrop::full: return "full";
    case SinkDrop::unencodable: return "unencodable";
    case SinkDrop::cut_off: return "cut_off";
  }
  return "unknown";
}

SourceStatus::SourceStatus(const SourceConfig& config)
    : name_(config.name), type_(config.type()), topic_(config.topic), sink_topic_(config.sink_topic) {}

void SourceStatus::set_state(SourceState state) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = state == SourceState::running && paused_streams_ > 0 ? SourceState::paused : state;
}

void SourceStatus::set_stream_paused(bool paused) {
  std::lock_guard<std::mutex> lock(mutex_);
  paused_streams_ += paused ? 1 : -1;
  if (paused_streams_ > 0 && state_ == SourceState::running) state_ = SourceState::paused;
  if (paused_streams_ == 0 && state_ == SourceState::paused) state_ = SourceState::running;
}

SourceState SourceStatus::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

void SourceStatus::error(std::string what) {
  errors_.fetch_add(1, relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = std::move(what);
}

void SourceStatus::sample_rate() {
  const std::uint64_t now = messages_.load(relaxed);
  messages_per_second_.store(now - messages_at_sample_, relaxed);
  messages_at_sample_ = now;
}

SourceStatusSnapshot SourceStatus::snapshot() const {
  SourceStatusSnapshot s;
  s.name = name_;
  s.type = type_;
  s.topic = topic_;
  s.sink_topic = sink_topic_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.state = state_;
    s.last_error = last_error_;
  }
  s.messages = messages_.load(relaxed);
  s.messages_per_second = messages_per_second_.load(relaxed);
  s.bytes = bytes_.load(relaxed);
  for (std::size_t i = 0; i < frame_drop_reason_count; ++i)
    s.frames_dropped[i] = frames_dropped_[i].load(relaxed);
  s.publish_refused = publish_refused_.load(relaxed);
  s.kernel_drops = kernel_drops_.load(relaxed);
  s.errors = errors_.load(relaxed);
  s.restarts = restarts_.load(relaxed);
  s.pauses = pauses_.load(relaxed);
  s.connections = connections_.load(relaxed);
  s.connections_refused = connections_refused_.load(relaxed);
  s.sink_messages = sink_messages_.load(relaxed);
  s.sink_bytes = sink_bytes_.load(relaxed);
  s.sink_queued_bytes = sink_queued_bytes_.load(relaxed);
  for (std::size_t i = 0; i < sink_drop_count; ++i) s.sink_dropped[i] = sink_dropped_[i].load(relaxed);
  return s;
}

}  // namespace sluice::relay
