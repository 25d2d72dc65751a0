// Endpoint: what a Connection needs from whoever owns it, a server's Worker or a Client. The
// parts used on every message (loop, limits, callbacks, counters, the memory budget) are plain
// members; the few that only one side has are virtual. It is also the MemoryAccount through which
// message assembly and held input ask the budget before they grow.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "http/route_table.hpp"
#include "loop/event_loop.hpp"
#include "mem/memory_account.hpp"
#include "send/counters.hpp"
#include "send/delivery_latency.hpp"
#include "send/memory_budget.hpp"
#include "send/queue_reaper.hpp"
#include "sluice/behaviors.hpp"
#include "sluice/policy.hpp"
#include "sluice/stats.hpp"
#include "ws/frame_header.hpp"
#include "ws/message_assembler.hpp"

namespace sluice::detail {

class Connection;
class TopicRegistry;

// The per-connection limits and deadlines, the same for both ends of a WebSocket.
struct Limits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_headers = 64;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds connect_timeout{10'000};    // client side
  std::size_t max_body_bytes = 1024 * 1024;             // server side: plain HTTP requests
  std::chrono::milliseconds keep_alive_timeout{5'000};  // server side
  std::size_t max_message_size = 16 * 1024 * 1024;
  std::size_t max_buffered_bytes = 1024 * 1024;
  std::size_t low_watermark = 256 * 1024;
  SlowConsumerPolicy policy = SlowConsumerPolicy::close;
  std::chrono::milliseconds close_grace{0};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds ping_interval{30'000};
  std::chrono::milliseconds idle_timeout{120'000};
  std::chrono::milliseconds close_timeout{5'000};
};

// Fills Limits from any options struct that names the same fields (ServerOptions, ClientOptions).
template <typename Options>
Limits limits_from(const Options& o) {
  Limits l;
  l.max_header_bytes = o.max_header_bytes;
  l.max_headers = o.max_headers;
  l.handshake_timeout = o.handshake_timeout;
  if constexpr (requires { o.connect_timeout; }) l.connect_timeout = o.connect_timeout;
  if constexpr (requires { o.max_body_bytes; }) {
    l.max_body_bytes = o.max_body_bytes;
    l.keep_alive_timeout = o.keep_alive_timeout;
  }
  l.max_message_size = o.max_message_size;
  l.max_buffered_bytes = o.max_buffered_bytes;
  l.low_watermark = o.low_watermark;
  l.policy = o.policy;
  l.close_grace = o.close_grace;
  l.write_timeout = o.write_timeout;
  l.ping_interval = o.ping_interval;
  l.idle_timeout = o.idle_timeout;
  l.close_timeout = o.close_timeout;
  return l;
}

class Endpoint : public mem::MemoryAccount {
 public:
  // `budget_slot` is this endpoint's slot in `budget` (its loop thread's).
  Endpoint(EventLoop& loop, Role role, Limits limits, const Behaviors& behaviors, MemoryBudget& budget,
           int budget_slot)
      : loop_(loop),
        limits_(limits),
        behaviors_(behaviors),
        allowance_(budget, budget_slot),
        reaper_(loop, allowance_),
        assembly_{AssemblyLimits::clamp(limits.max_message_size), this},
        role_(role) {}
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  EventLoop& loop() { return loop_; }
  Role role() const { return role_; }
  const Limits& limits() const { return limits_; }
  const Behaviors& behaviors() const { return behaviors_; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  DeliveryLatency& delivery_latency() { return delivery_latency_; }
  const MemoryBudget& budget() const { return allowance_.budget(); }
  MemoryAllowance& allowance() { return allowance_; }  // what this endpoint's connections hold
  QueueReaper& reaper() { return reaper_; }
  const AssemblyLimits& assembly_limits() const { return assembly_; }

  // MemoryAccount
  bool try_charge(std::size_t bytes, std::size_t holder_after) override {
    if (!allowance_.admits(bytes, holder_after)) {
      counters_.budget_refusals.add(1);
      return false;
    }
    allowance_.charge(bytes);
    return true;
  }
  void uncharge(std::size_t bytes) override { allowance_.uncharge(bytes); }

  // Frees a connection; called by the loop's before-sleep pass only.
  virtual void destroy(Connection* c) = 0;
  // Client side: the connection could not be opened (connect, handshake); it is aborted next.
  virtual void on_open_failed(Connection*, std::string_view /*why*/) {}
  // Server side: the connection was upgraded, just before on_open.
  virtual void on_upgraded(Connection*) {}

  // Server side only: topics and publishing, and plain-HTTP routes.
  virtual TopicRegistry* topics() { return nullptr; }
  virtual const TopicOptions& topic_options(std::string_view) const {
    static const TopicOptions kNone;
    return kNone;
  }
  virtual PublishResult publish(std::string_view, std::string_view, Opcode) { return {}; }
  virtual const RouteTable* routes() const { return nullptr; }

 protected:
  ~Endpoint() = default;

 private:
  EventLoop& loop_;
  Limits limits_;
  const Behaviors& behaviors_;
  Counters counters_;
  DeliveryLatency delivery_latency_{loop_, counters_};
  MemoryAllowance allowance_;
  QueueReaper reaper_;
  AssemblyLimits assembly_;
  Role role_;
};

}  // namespace sluice::detail
