#include "send/slow_consumer.hpp"

#include <cstring>

namespace sluice {

std::optional<SlowConsumerPolicy> parse_policy(const char* name) {
  for (auto p : {SlowConsumerPolicy::close, SlowConsumerPolicy::drop_newest, SlowConsumerPolicy::drop_oldest,
                 SlowConsumerPolicy::latest, SlowConsumerPolicy::backpressure}) {
    if (std::strcmp(name, to_string(p)) == 0) return p;
  }
  return std::nullopt;
}

namespace detail {

Verdict apply_policy(SlowConsumerPolicy policy, SendQueue& q, std::size_t incoming, std::size_t cap,
                     std::uint32_t tag, bool grace_over) {
  using A = Verdict::Action;
  auto excess = [&] { return q.charge() + incoming > cap ? q.charge() + incoming - cap : 0; };
  switch (policy) {
    case SlowConsumerPolicy::close: return {grace_over ? A::close : A::drop_new, {}};
    case SlowConsumerPolicy::drop_newest: return {A::drop_new, {}};
    case SlowConsumerPolicy::backpressure: return {A::would_block, {}};
    case SlowConsumerPolicy::drop_oldest: return {A::enqueue, q.drop_oldest(excess() ? excess() : incoming)};
    case SlowConsumerPolicy::latest: {
      // Conflation: an unsent value of the same topic is superseded by the new one.
      Released d = q.drop_tag(tag);
      if (std::size_t more = excess()) d.add(q.drop_oldest(more));
      return {A::enqueue, d};
    }
  }
  return {A::drop_new, {}};
}

}  // namespace detail
}  // namespace sluice
