#include "broker/subscription_table.hpp"

namespace sluice::relay {

void SubscriptionTable::add(Kind kind, const std::string& name) { ++map(kind)[name].interest; }

void SubscriptionTable::remove(Kind kind, const std::string& name) {
  Map& m = map(kind);
  auto it = m.find(name);
  if (it == m.end() || it->second.interest == 0) return;
  --it->second.interest;
  if (it->second.interest == 0 && it->second.state == State::none) m.erase(it);
}

std::vector<SubscriptionTable::Batch> SubscriptionTable::take_changes(std::size_t per_batch) {
  std::vector<Batch> out;
  for (Kind kind : {Kind::channel, Kind::pattern}) {
    Batch subscribe{kind, true, {}}, unsubscribe{kind, false, {}};
    auto flush = [&](Batch& b) {
      if (b.names.empty()) return;
      out.push_back(std::move(b));
      b.names.clear();
    };
    Map& m = map(kind);
    for (auto it = m.begin(); it != m.end();) {
      Entry& e = it->second;
      if (e.interest > 0 && e.state == State::none) {
        e.state = State::subscribing;
        ++in_flight_;
        subscribe.names.push_back(it->first);
        if (subscribe.names.size() == per_batch) flush(subscribe);
      } else if (e.interest == 0 && e.state == State::subscribed) {
        e.state = State::unsubscribing;
        ++in_flight_;
        unsubscribe.names.push_back(it->first);
        if (unsubscribe.names.size() == per_batch) flush(unsubscribe);
      } else if (e.interest == 0 && e.state == State::none) {
        it = m.erase(it);
        continue;
      }
      ++it;
    }
    flush(subscribe);
    flush(unsubscribe);
  }
  return out;
}

void SubscriptionTable::confirmed(Kind kind, std::string_view name, bool subscribed) {
  Map& m = map(kind);
  auto it = m.find(name);
  if (it == m.end()) return;
  Entry& e = it->second;
  const State expected = subscribed ? State::subscribing : State::unsubscribing;
  if (e.state != expected) return;
  --in_flight_;
  e.state = subscribed ? State::subscribed : State::none;
  if (e.interest == 0 && e.state == State::none) m.erase(it);
}

void SubscriptionTable::reset() {
  in_flight_ = 0;
  for (Map* m : {&channels_, &patterns_}) {
    for (auto it = m->begin(); it != m->end();) {
      it->second.state = State::none;
      if (it->second.interest == 0) {
        it = m->erase(it);
      } else {
        ++it;
      }
    }
  }
}

bool SubscriptionTable::wants(Kind kind, std::string_view name) const {
  const Map& m = map(kind);
  auto it = m.find(name);
  return it != m.end() && it->second.interest > 0;
}

std::size_t SubscriptionTable::wanted() const {
  std::size_t n = 0;
  for (const Map* m : {&channels_, &patterns_})
    for (const auto& [name, e] : *m) n += e.interest > 0 ? 1 : 0;
  return n;
}

}  // namespace sluice::relay
