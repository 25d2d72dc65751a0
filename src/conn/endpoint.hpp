// Endpoint: what a Connection needs from whoever owns it, a server's Worker or a Client. The
// parts used on every message (loop, limits, callbacks, counters, the memory budget) are plain
// members; the few that only one side has are virtual. It is also the MemoryAccount through which
// message assembly and held input ask the budget before they grow.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>

#include <span>
#include "conn/deflate_state.hpp"
#include "http/route_table.hpp"
#include "loop/event_loop.hpp"
#include "mem/memory_account.hpp"
#include "send/counters.hpp"
#include "send/delivery_latency.hpp"
#include "send/memory_budget.hpp"
#include "send/queue_reaper.hpp"

#include "sluice/behaviors.hpp"
#include "sluice/client.hpp"
#include "sluice/http_stream.hpp"
#include "sluice/limits.hpp"
#include "sluice/policy.hpp"
#include "sluice/server_options.hpp"
#include "sluice/stats.hpp"
#include "ws/frame_header.hpp"
#include "ws/message_assembler.hpp"

namespace sluice::detail {

class Connection;

// What a connection is held to: the limits every WebSocket has, and those of one end only
// (the other end's fields keep their defaults, unused).
struct Limits : ConnectionLimits {
  std::chrono::milliseconds connect_timeout{10'000};    // client side
  std::size_t max_body_bytes = 1024 * 1024;             // server side: plain HTTP requests
  std::chrono::milliseconds keep_alive_timeout{5'000};  // server side

  static Limits of(const ServerOptions& o) {
    Limits l;
    static_cast<ConnectionLimits&>(l) = o;
    l.max_body_bytes = o.max_body_bytes;
    l.keep_alive_timeout = o.keep_alive_timeout;
    return l;
  }
  static Limits of(const ClientOptions& o) {
    Limits l;
    static_cast<ConnectionLimits&>(l) = o;
    l.connect_timeout = o.connect_timeout;
    return l;
  }
};

class Endpoint : public mem::MemoryAccount {
 public:
  // `budget_slot` is this endpoint's slot in `budget` (its loop thread's). `behaviors` and
  // `streams` are the callback sets its connections may be given (by index; the first is the
  // default), and outlive it.
  Endpoint(EventLoop& loop, Role role, Limits limits, std::span<const Behaviors> behaviors,
           std::span<const StreamBehaviors> streams, MemoryBudget& budget, int budget_slot)
      : loop_(loop),
        limits_(limits),
        watermark_floor_(std::min(limits.low_watermark, kLeastOwnLowWatermark)),
        behaviors_(behaviors),
        streams_(streams),
        allowance_(budget, budget_slot),
        reaper_(loop, allowance_),
        assembly_{AssemblyLimits::clamp(limits.max_message_size), this},
        role_(role) {}
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  EventLoop& loop() { return loop_; }
  Role role() const { return role_; }
  const Limits& limits() const { return limits_; }
  // The lowest low watermark any of its connections can have: a connection's own cap is at
  // least 1 KiB and its low watermark at most a quarter of that (Outbox::low_watermark).
  static constexpr std::size_t kLeastOwnLowWatermark = 256;
  std::size_t watermark_floor() const { return watermark_floor_; }
  const Behaviors& behaviors(std::uint8_t set) const { return behaviors_[set]; }
  const StreamBehaviors& stream_behaviors(std::uint8_t set) const { return streams_[set]; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  DeliveryLatency& delivery_latency() { return delivery_latency_; }
  const MemoryBudget& budget() const { return allowance_.budget(); }
  MemoryAllowance& allowance() { return allowance_; }  // what this endpoint's connections hold
  QueueReaper& reaper() { return reaper_; }
  const AssemblyLimits& assembly_limits() const { return assembly_; }
  // The compressors shared by this endpoint's connections, made when the first is needed.
  SharedDeflate& shared_deflate() {
    if (!deflate_) deflate_ = std::make_unique<SharedDeflate>(*this);
    return *deflate_;
  }

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
  // Server side: the connection was upgraded (or handed to a stream), just before on_open.
  virtual void on_upgraded(Connection*) {}
  // Server side: a stream that was an answer given later ended, and the kept-alive connection
  // reads requests again.
  virtual void on_back_to_requests(Connection*) {}

  // The connection's queue rose over its low watermark (`over`) or drained below it again.
  virtual void on_backlog(Connection&, bool /*over*/) {}
  // The connection is closed (called again, harmlessly, when it is freed).
  virtual void on_closed(Connection&) {}

  // Server side only: plain-HTTP routes, and which behaviors serve an upgrade to `path`.
  virtual const RouteTable* routes() const { return nullptr; }
  virtual std::uint8_t ws_behaviors_for(std::string_view /*path*/) const { return 0; }

 protected:
  ~Endpoint() = default;

 private:
  EventLoop& loop_;
  Limits limits_;
  std::size_t watermark_floor_;
  std::span<const Behaviors> behaviors_;
  std::span<const StreamBehaviors> streams_;
  Counters counters_;
  DeliveryLatency delivery_latency_{loop_, counters_};
  MemoryAllowance allowance_;
  QueueReaper reaper_;
  AssemblyLimits assembly_;
  std::unique_ptr<SharedDeflate> deflate_;
  Role role_;
};

}  // namespace sluice::detail
