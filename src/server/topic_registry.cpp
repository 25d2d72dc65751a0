#include "server/topic_registry.hpp"

#include <algorithm>

#include "conn/connection.hpp"
#include "net/socket.hpp"
#include "server/topic_flow.hpp"

namespace sluice::detail {

Topic* TopicRegistry::find(std::string_view name) {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

bool TopicRegistry::subscribe(Connection& c, std::string_view name, const TopicOptions& options) {
  if (is_subscribed(c, name)) return false;
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    auto t = std::make_unique<Topic>(Topic{next_id_++, std::string(name), options, {}, {}, 0});
    it = topics_.emplace(t->name, std::move(t)).first;
  }
  Topic& t = *it->second;
  (c.is_streaming() ? t.stream_subscribers : t.subscribers).push_back(&c);
  Membership& m = memberships_[&c].emplace_back(Membership{&t, false});
  if (t.options.send_buffer_bytes > 0) set_send_buffer(c.fd(), t.options.send_buffer_bytes);
  if (c.over_low_watermark()) hold(c, m);
  return true;
}

bool TopicRegistry::unsubscribe(Connection& c, std::string_view name) {
  auto mine = memberships_.find(&c);
  if (mine == memberships_.end()) return false;
  auto& list = mine->second;
  auto m = std::find_if(list.begin(), list.end(), [&](const Membership& x) { return x.topic->name == name; });
  if (m == list.end()) return false;
  release(*m);
  remove_subscriber(*m->topic, c);
  list.erase(m);
  if (list.empty()) memberships_.erase(mine);
  return true;
}

bool TopicRegistry::is_subscribed(const Connection& c, std::string_view name) const {
  auto mine = memberships_.find(&c);
  if (mine == memberships_.end()) return false;
  return std::any_of(mine->second.begin(), mine->second.end(),
                     [&](const Membership& m) { return m.topic->name == name; });
}

void TopicRegistry::leave_all(Connection& c) {
  auto mine = memberships_.find(&c);
  if (mine == memberships_.end()) return;
  for (Membership& m : mine->second) {
    release(m);
    remove_subscriber(*m.topic, c);
  }
  memberships_.erase(mine);
}

void TopicRegistry::on_backlog(Connection& c, bool over) {
  auto mine = memberships_.find(&c);
  if (mine == memberships_.end()) return;
  for (Membership& m : mine->second) {
    if (over) {
      hold(c, m);
    } else {
      release(m);
    }
  }
}

void TopicRegistry::hold(Connection& c, Membership& m) {
  // The policy is the one this subscriber's frames of this topic meet at the cap.
  if (m.holding_back || c.policy_for(m.topic->options.policy) != SlowConsumerPolicy::backpressure) return;
  m.holding_back = true;
  if (m.topic->holding_back++ == 0) flow_.hold(m.topic->name);
}

void TopicRegistry::release(Membership& m) {
  if (!m.holding_back) return;
  m.holding_back = false;
  if (--m.topic->holding_back == 0) flow_.release(m.topic->name);
}

void TopicRegistry::remove_subscriber(Topic& t, Connection& c) {
  for (auto* subs : {&t.subscribers, &t.stream_subscribers}) {
    auto it = std::find(subs->begin(), subs->end(), &c);
    if (it == subs->end()) continue;
    *it = subs->back();  // order among subscribers carries no meaning
    subs->pop_back();
  }
  if (t.subscribers.empty() && t.stream_subscribers.empty()) topics_.erase(topics_.find(t.name));
}

}  // namespace sluice::detail
