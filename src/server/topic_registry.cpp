#include "server/topic_registry.hpp"

#include <algorithm>

namespace sluice::detail {

Topic* TopicRegistry::find(std::string_view name) {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

Topic& TopicRegistry::get_or_create(std::string_view name, const TopicOptions& options) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return *it->second;
  auto t = std::make_unique<Topic>(Topic{next_id_++, std::string(name), options, {}});
  Topic& ref = *t;
  topics_.emplace(ref.name, std::move(t));
  return ref;
}

void TopicRegistry::remove(Topic& t, Connection* c) {
  auto& subs = t.subscribers;
  auto it = std::find(subs.begin(), subs.end(), c);
  if (it != subs.end()) {
    *it = subs.back();  // order among subscribers carries no meaning
    subs.pop_back();
  }
  if (subs.empty()) topics_.erase(t.name);
}

}  // namespace sluice::detail
