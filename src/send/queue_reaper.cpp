#include "send/queue_reaper.hpp"

namespace sluice::detail {

QueueReaper::~QueueReaper() {
  loop_.forget(this);
  for (SendQueue& q : queues_) memory_.uncharge(q.clear().budget);
}

void QueueReaper::take(SendQueue& q) {
  Released r = q.release_some(kSlice);
  memory_.uncharge(r.budget);
  if (q.empty()) return;
  queues_.push_back(std::move(q));
  loop_.defer(this);
}

void QueueReaper::on_before_sleep() {
  SendQueue& q = queues_.back();
  memory_.uncharge(q.release_some(kSlice).budget);
  if (q.empty()) queues_.pop_back();
  if (!queues_.empty()) loop_.defer(this);
}

}  // namespace sluice::detail
