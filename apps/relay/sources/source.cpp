// The parts every source shares: its status, its log lines, and its sink subscription, which
// is registered with the relay for the source's whole life and removed before the queue goes.
#include "sources/source.hpp"

#include "relay/log_line.hpp"

namespace sluice::relay {

Source::Source(SourceContext& context, SourceConfig config)
    : context_(context), config_(std::move(config)), status_(std::make_shared<SourceStatus>(config_)) {
  if (config_.sink_topic.empty()) return;
  sink_ = std::make_unique<SinkQueue>(config_.framing, config_.sink_max_buffered, *status_, context_.poller,
                                      [this] { on_sink_ready(); });
  sink_id_ = context_.relay.add_sink(config_.sink_topic, [sink = sink_.get()](std::string_view data, Opcode) {
    sink->offer({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  });
}

Source::~Source() {
  // After this returns no publishing thread can reach the queue.
  if (sink_id_ != 0) context_.relay.remove_sink(sink_id_);
}

void Source::stop(std::function<void()> done) {
  close();
  set_state(SourceState::stopped);
  done();
}

void Source::set_state(SourceState state) {
  if (status_->state() == state) return;
  status_->set_state(state);
  log_line(LogLevel::debug, "source '{}': {}", config_.name, to_string(state));
}

void Source::report_error(std::string what) {
  log_line(LogLevel::warn, "source '{}': {}", config_.name, what);
  status_->error(std::move(what));
}

}  // namespace sluice::relay
