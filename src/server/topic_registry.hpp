// TopicRegistry: one worker's topics and their subscribers. Each worker keeps its own, so
// publishing on a worker's thread touches no lock; Server::publish reaches the others by post.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/policy.hpp"

namespace sluice::detail {

class Connection;

struct Topic {
  std::uint32_t id;  // the send-queue tag of its frames (for `latest` conflation)
  std::string name;
  TopicOptions options;
  std::vector<Connection*> subscribers;
};

class TopicRegistry {
 public:
  Topic* find(std::string_view name);
  Topic& get_or_create(std::string_view name, const TopicOptions& options);
  // Removes `c` from `t`; erases the topic when it has no subscribers left.
  void remove(Topic& t, Connection* c);

 private:
  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
  std::uint32_t next_id_ = 1;  // 0 tags direct sends
};

}  // namespace sluice::detail
