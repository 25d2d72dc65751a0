// SubscriberLimits: the per-connection parts of a [[topic]] entry, applied to a subscriber when
// it opens: its slow-consumer policy (WebSocket::set_policy) and its send_buffer_bytes.
//
// The engine sets a socket's SO_SNDBUF from the TopicOptions of a topic the connection joins,
// and topic options must be declared before the server runs. So each distinct
// send_buffer_bytes in the configuration gets an options topic ("$sndbuf/65536") that nothing
// is published to, and a subscriber joins the one its entry asks for. A value that first
// appears at a reload takes effect at the next start; a [[topic]] max_buffered_bytes has no
// such carrier in the engine's API yet, so subscribers get [server] max_buffered_bytes. Both
// are said in the log rather than ignored silently.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "config/config.hpp"

namespace sluice::relay {

class SubscriberLimits {
 public:
  // Declares the options topics; call before Server::run(). The set is fixed from here on.
  void declare(sluice::Server& server, const std::vector<TopicConfig>& topics);
  // Applies `entry`'s policy and send buffer to a subscriber that has just opened.
  void apply(WebSocket ws, const TopicConfig& entry) const;
  // One sentence per setting of `topics` that does not take effect, for the log, given the
  // max_buffered_bytes the engine runs with.
  std::vector<std::string> unapplied(const std::vector<TopicConfig>& topics,
                                     std::size_t max_buffered_bytes) const;

 private:
  std::set<std::size_t> send_buffers_;  // the declared send_buffer_bytes values
};

// The options topic of one send_buffer_bytes value; no subscription key can be spelled like it.
std::string send_buffer_topic(std::size_t bytes);

}  // namespace sluice::relay
