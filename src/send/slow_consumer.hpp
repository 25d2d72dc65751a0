// The slow-consumer decision: given a queue, the frame that wants in and the policy, what
// happens. This is the one place a cap is acted on; the connection only carries out the verdict.
#pragma once

#include <cstddef>
#include <cstdint>

#include "send/send_queue.hpp"
#include "sluice/policy.hpp"

namespace sluice::detail {

// Caps compare charges (SendQueue::charge_of: the memory a queued frame holds). A message always
// fits an empty queue, so a message larger than the cap is still deliverable; beyond that the
// queue may not pass `cap`. The process budget is asked separately, empty queue or not.
inline bool over_cap(const SendQueue& q, std::size_t incoming_charge, std::size_t cap) {
  return !q.empty() && q.charge() + incoming_charge > cap;
}

struct Verdict {
  enum class Action : std::uint8_t { enqueue, drop_new, would_block, close };
  Action action = Action::enqueue;
  Released dropped;  // what the policy removed from the queue to make room
};

// Applies `policy` to a queue that a frame charged `incoming` would take past `cap` (or the
// process past its budget). Under `close`, `grace_over` says whether the connection has been
// over its cap longer than its grace period.
Verdict apply_policy(SlowConsumerPolicy policy, SendQueue& q, std::size_t incoming, std::size_t cap,
                     std::uint32_t tag, bool grace_over);

}  // namespace sluice::detail
