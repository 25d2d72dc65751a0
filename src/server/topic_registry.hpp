// TopicRegistry: one worker's topics, their subscribers, and each connection's memberships.
// Each worker keeps its own, so publishing on a worker's thread touches no lock; Server::publish
// reaches the others by post. Membership lives here, on the server side: a connection only
// ever sees a published frame with its conflation tag and its topic's policy.
//
// Flow control: a subscriber whose policy for a topic is `backpressure` holds the topic back
// while its queue is over its low watermark; the registry counts those per topic and tells the
// server's TopicFlow when a topic starts or stops being held back on this worker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sluice/policy.hpp"

namespace sluice::detail {

class Connection;
class TopicFlow;

struct Topic {
  std::uint32_t id;  // the send-queue tag of its frames (for `latest` conflation)
  std::string name;
  TopicOptions options;
  std::vector<Connection*> subscribers;         // WebSockets: sent the frame
  std::vector<Connection*> stream_subscribers;  // HTTP streams: sent the payload alone
  std::uint32_t holding_back = 0;               // subscribers holding it back (see above)
};

class TopicRegistry {
 public:
  explicit TopicRegistry(TopicFlow& flow) : flow_(flow) {}
  TopicRegistry(const TopicRegistry&) = delete;
  TopicRegistry& operator=(const TopicRegistry&) = delete;

  Topic* find(std::string_view name);
  // Adds `c` to the topic (made with `options` if new); false if it was subscribed already.
  bool subscribe(Connection& c, std::string_view name, const TopicOptions& options);
  bool unsubscribe(Connection& c, std::string_view name);
  bool is_subscribed(const Connection& c, std::string_view name) const;
  // `c` is closing: it leaves every topic (and stops holding any back).
  void leave_all(Connection& c);
  // `c`'s queue rose over its low watermark (`over`), or fell back below it.
  void on_backlog(Connection& c, bool over);

  std::size_t topic_count() const { return topics_.size(); }

 private:
  struct Membership {
    Topic* topic;
    bool holding_back;
  };
  void hold(Connection& c, Membership& m);
  void release(Membership& m);
  void remove_subscriber(Topic& t, Connection& c);  // erases the topic when it was the last

  std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
  std::unordered_map<const Connection*, std::vector<Membership>> memberships_;
  TopicFlow& flow_;
  std::uint32_t next_id_ = 1;  // 0 tags direct sends
};

}  // namespace sluice::detail
