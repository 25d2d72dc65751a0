#include "server/server_core.hpp"

#include "send/frame_buffer.hpp"
#include "server/worker.hpp"

namespace sluice::detail {

const TopicOptions& ServerCore::options_for_topic(std::string_view name) const {
  static const TopicOptions kDefault;
  auto it = topic_options.find(name);
  return it == topic_options.end() ? kDefault : it->second;
}

PublishResult ServerCore::publish(std::string_view topic, std::string_view data, Opcode opcode) {
  if (data.size() > kMaxFramePayload || workers.empty()) return {};  // too big, or not listening yet
  FrameRef frame = encode_frame(opcode, data);                       // once, for every worker and subscriber
  frame.get()->charge_once(*budget);                                 // and so charged once to the budget
  Worker* here = Worker::current();
  PublishResult result;
  for (const auto& w : workers) {
    if (w.get() == here) {
      result = w->publish_local(topic, frame);
      continue;
    }
    // What waits for another thread counts toward flow control, so that a producer checking
    // topic_blocked() cannot run ahead of a loop it does not share.
    const std::size_t bytes = frame.size();
    flow.inbound_added(w->inbound_bytes(), bytes);
    auto shared = std::make_shared<FrameRef>(frame.share());
    w->loop().post([this, w = w.get(), name = std::string(topic), shared, bytes] {
      w->publish_local(name, *shared);
      flow.inbound_done(w->inbound_bytes(), bytes);
    });
  }
  return result;
}

std::uint64_t ServerCore::memory_freed_on_close() const {
  std::uint64_t total = 0;
  for (const auto& w : workers) total += w->counters().memory_freed_on_close.get();
  return total;
}

ServerStats ServerCore::stats() const {
  ServerStats s;
  for (const auto& w : workers) {
    const Counters& c = w->counters();
    s.connections_accepted += c.connections_accepted.get();
    s.connections_closed += c.connections_closed.get();
    s.connections_open += c.connections_open.get();
    s.connections_closed_by_policy += c.connections_closed_by_policy.get();
    s.messages_sent += c.messages_sent.get();
    s.bytes_sent += c.bytes_sent.get();
    s.messages_dropped += c.messages_dropped.get();
    s.bytes_dropped += c.bytes_dropped.get();
    s.sends_refused += c.sends_refused.get();
    s.buffered_bytes += c.buffered_bytes.get();
    s.buffered_high_water += c.buffered_high_water.get();
    s.connections_refused += c.connections_refused.get();
    s.budget_refusals += c.budget_refusals.get();
  }
  if (budget) {
    s.memory_bytes = budget->used();
    s.memory_budget_bytes = budget->limit();
  }
  return s;
}

}  // namespace sluice::detail
