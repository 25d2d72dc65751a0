#include "server/topic_flow.hpp"

#include "loop/event_loop.hpp"

namespace sluice::detail {

bool TopicFlow::blocked(std::string_view topic) const {
  if (!any_.load(std::memory_order_acquire)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  return blocked_locked(topic);
}

bool TopicFlow::blocked_locked(std::string_view topic) const {
  return inbound_over_ > 0 || holders_.find(topic) != holders_.end();
}

void TopicFlow::update_any_locked() {
  any_.store(inbound_over_ > 0 || !holders_.empty(), std::memory_order_release);
}

void TopicFlow::when_unblocked(std::string_view topic, EventLoop& loop, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (blocked_locked(topic)) {
      waiters_.push_back({std::string(topic), &loop, std::move(fn)});
      return;
    }
  }
  loop.post_control(std::move(fn));  // never inside the caller's own call
}

void TopicFlow::hold(std::string_view topic) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = holders_.find(topic);
  if (it == holders_.end()) it = holders_.emplace(std::string(topic), 0).first;
  ++it->second;
  update_any_locked();
}

void TopicFlow::release(std::string_view topic) {
  std::vector<Waiter> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = holders_.find(topic);
    if (it == holders_.end() || --it->second > 0) return;
    holders_.erase(it);
    update_any_locked();
    wake_ready_locked(ready);
  }
  for (Waiter& w : ready) w.loop->post_control(std::move(w.fn));
}

void TopicFlow::inbound_added(std::atomic<std::size_t>& pending, std::size_t bytes) {
  const std::size_t before = pending.fetch_add(bytes, std::memory_order_relaxed);
  if (before > inbound_limit_ || before + bytes <= inbound_limit_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ++inbound_over_;
  update_any_locked();
}

void TopicFlow::inbound_done(std::atomic<std::size_t>& pending, std::size_t bytes) {
  const std::size_t before = pending.fetch_sub(bytes, std::memory_order_relaxed);
  if (before <= inbound_limit_ || before - bytes > inbound_limit_) return;
  std::vector<Waiter> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --inbound_over_;
    update_any_locked();
    wake_ready_locked(ready);
  }
  for (Waiter& w : ready) w.loop->post_control(std::move(w.fn));
}

void TopicFlow::wake_ready_locked(std::vector<Waiter>& ready) {
  for (std::size_t i = 0; i < waiters_.size();) {
    if (blocked_locked(waiters_[i].topic)) {
      ++i;
      continue;
    }
    ready.push_back(std::move(waiters_[i]));
    waiters_[i] = std::move(waiters_.back());
    waiters_.pop_back();
  }
}

}  // namespace sluice::detail
