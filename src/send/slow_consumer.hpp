// The slow-consumer decision: given a queue, the frame that wants in and the policy, what
// happens. This is the one place a cap is acted on; the connection only carries out the verdict.
#pragma once

#include <cstddef>
#include <cstdint>

#include "send/send_queue.hpp"
#include "sluice/policy.hpp"

namespace sluice::detail {

// A message always fits an empty queue (so a message larger than the cap is still
// deliverable); beyond that the queue may not pass `cap`, nor the process its budget.
inline bool over_cap(const SendQueue& q, std::size_t incoming, std::size_t cap, bool over_budget) {
  return q.bytes() > 0 && (q.bytes() + incoming > cap || over_budget);
}

struct Verdict {
  enum class Action : std::uint8_t { enqueue, drop_new, would_block, close };
  Action action = Action::enqueue;
  Dropped dropped;  // what the policy removed from the queue to make room
};

// Applies `policy` to a queue that `incoming` bytes would take past `cap`. Under `close`,
// `grace_over` says whether the connection has been over its cap longer than its grace period.
Verdict apply_policy(SlowConsumerPolicy policy, SendQueue& q, std::size_t incoming, std::size_t cap,
                     std::uint32_t tag, bool grace_over);

}  // namespace sluice::detail
