#include "server/server_core.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>

#include "send/delivery_latency.hpp"
#include "send/frame_buffer.hpp"
#include "server/worker.hpp"

namespace sluice::detail {

const TopicOptions& ServerCore::options_for_topic(std::string_view name) const {
  static const TopicOptions kDefault;
  auto it = topic_options.find(name);
  return it == topic_options.end() ? kDefault : it->second;
}

PublishResult ServerCore::publish(std::string_view topic, std::string_view data, Opcode opcode,
                                  std::optional<Compression> compression) {
  if (data.size() > kMaxFramePayload || workers.empty()) return {};  // too big, or not listening yet
  FrameRef frame = encode_frame(opcode, data);                       // once, for every worker and subscriber
  frame.get()->charge_once(*budget);                                 // and so charged once to the budget
  if (options.delivery_latency_sampling != 0) frame.get()->set_stamp(delivery_stamp(monotonic_16us()));
  Worker* here = Worker::current();
  PublishResult result;
  SharedTopicName name;  // one copy for every other worker
  for (const auto& w : workers) {
    if (w.get() == here) {
      result = w->publish_local(topic, frame, compression);
      continue;
    }
    if (!name) name = SharedTopicName(topic);
    w->post_publish(frame, name, compression);  // a refusal is counted by the worker's inbox
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
    for (std::size_t p = 0; p < slow_consumer_policy_count; ++p)
      s.messages_dropped_by_policy[p] += c.dropped_by_policy[p].get();
    s.bytes_dropped += c.bytes_dropped.get();
    s.sends_refused += c.sends_refused.get();
    s.buffered_bytes += c.buffered_bytes.get();
    s.buffered_high_water += c.buffered_high_water.get();
    s.connections_refused += c.connections_refused.get();
    s.budget_refusals += c.budget_refusals.get();
    s.inbound_publishes_refused += w->inbox().refused();
    s.posts_refused += w->loop().posts_refused();
    for (std::size_t r = 0; r < close_reason_count; ++r)
      s.connections_closed_by_reason[r] += c.closed_by_reason[r].get();
    s.messages_received += c.messages_received.get();
    s.bytes_received += c.bytes_received.get();
    for (std::size_t b = 0; b < delivery_latency_buckets; ++b)
      s.delivery_latency[b] += c.delivery_latency[b].get();
    s.delivery_latency_seconds += static_cast<double>(c.delivery_latency_units.get()) * 16e-6;
    const ConnectionSampler& sample = w->sampler();
    s.connections_handshaking += sample.handshaking();
    s.connections_closing += sample.closing();
    s.kernel_unsent_bytes += sample.kernel_unsent_bytes();
    const auto silence = std::chrono::duration_cast<std::chrono::milliseconds>(sample.since_last_pass());
    s.loop_silence_ms =
        std::max<std::uint64_t>(s.loop_silence_ms, std::max<std::int64_t>(silence.count(), 0));
  }
  if (budget) {
    s.memory_bytes = budget->used();
    s.memory_budget_bytes = budget->limit();
  }
  return s;
}

std::vector<ConnectionInfo> ServerCore::connections(std::size_t n) const {
  std::vector<ConnectionInfo> all;
  for (const auto& w : workers) {
    std::vector<ConnectionInfo> top = w->sampler().top();
    std::move(top.begin(), top.end(), std::back_inserter(all));
  }
  std::stable_sort(all.begin(), all.end(), [](const ConnectionInfo& a, const ConnectionInfo& b) {
    if (a.buffered_bytes != b.buffered_bytes) return a.buffered_bytes > b.buffered_bytes;
    return a.kernel_unsent_bytes > b.kernel_unsent_bytes;
  });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace sluice::detail
