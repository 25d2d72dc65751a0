#include "conn/outbox.hpp"

#include <climits>

namespace sluice::detail {

Verdict Outbox::apply_cap(Endpoint& ep, const FrameBuffer& frame, std::uint32_t tag,
                          SlowConsumerPolicy policy, bool over_budget, bool grace_over) {
  const std::size_t charge = SendQueue::charge_of(frame);
  Verdict v = apply_policy(policy, queue_, charge, cap(ep.limits()), tag, grace_over);
  account_released(ep, v.dropped);
  // What this queue gave up may not be enough room when the whole process is over its budget.
  if (v.action == Verdict::Action::enqueue && over_budget &&
      !ep.allowance().admits(SendQueue::budget_of(frame), queue_.charge() + charge))
    v.action = Verdict::Action::drop_new;
  return v;
}

bool Outbox::supersede_pong(Endpoint& ep, FrameRef& frame) {
  // In a flood the pending pong is the newest entry; otherwise it is found by a walk, taken out,
  // and the new one goes to the back.
  const std::size_t size = frame.size();
  const std::size_t budget = SendQueue::budget_of(*frame.get());
  Released old = queue_.replace_newest(SendQueue::kPongTag, frame);
  if (old.messages > 0) {
    account_released(ep, old);
    ep.counters().buffered_bytes.add(size);
    ep.allowance().charge(budget);
    return true;
  }
  account_released(ep, queue_.drop_tag(SendQueue::kPongTag));
  return false;
}

void Outbox::account_released(Endpoint& ep, const Released& r) {
  ep.counters().buffered_bytes.sub(r.bytes);
  ep.allowance().uncharge(r.budget);
}

Outbox::WriteOutcome Outbox::write_chain(Endpoint& ep, Transport& t) {
  WriteOutcome out;
  iovec* iov = ep.loop().iovecs();
  while (!queue_.empty()) {
    int n = queue_.fill_iovecs(iov, IOV_MAX);
    std::size_t want = queue_.bytes();  // unless the queue is longer than one write takes
    if (n == IOV_MAX) {
      want = 0;
      for (int i = 0; i < n; ++i) want += iov[i].iov_len;
    }
    IoResult r = t.write(iov, n);
    if (r.kind == IoResult::Kind::would_block) break;
    if (r.kind != IoResult::Kind::done) {
      out.failed = true;
      break;
    }
    out.written.add(queue_.consume(r.bytes, ep.delivery_latency().active()));
    if (r.bytes < want) break;  // the socket is full; its writability tells us when it is not
  }
  return out;
}

Outbox::InterestChange Outbox::next_interest(Endpoint& ep, bool open, std::uint32_t now) {
  // The steady state, in one test of the flags: nothing queued, armed or paused.
  if ((flags_ & (write_armed | read_paused | at_cap | unread_full)) == 0 && queue_.empty()) return {};
  const bool want_write = !queue_.empty();
  const bool pause = is(unread_full) || must_pause_reading(ep.limits(), open);
  if (want_write == is(write_armed) && pause == is(read_paused)) return {};
  if (!want_write) ep.allowance().give_back_spare();  // a queue that backed up has drained
  InterestChange change{true, {!pause, want_write}, want_write && !is(write_armed)};
  set(write_armed, want_write);
  set(read_paused, pause);
  if (change.started_waiting) last_progress_ = now;  // the write deadline counts from here
  return change;
}

void Outbox::release_all(Endpoint& ep) {
  ep.counters().buffered_bytes.sub(queue_.bytes());
  ep.counters().memory_freed_on_close.add(queue_.charge());
  ep.reaper().take(queue_);
  set(pong_queued, false);
}

}  // namespace sluice::detail
