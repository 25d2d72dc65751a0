// ConnectionSampler: once a second, on its worker's loop, one walk over the worker's
// connections for what a stats reader on another thread may not compute itself: how many are
// handshaking or closing, the bytes the kernel still holds for them (SIOCOUTQ), and the few with
// the most bytes queued, described for Server::connections(). Readers get the last sample, so
// the cost of a scrape never depends on the number of connections; the time of the last pass
// also tells whether the loop still turns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "loop/event_loop.hpp"
#include "loop/loop_client.hpp"
#include "sluice/stats.hpp"

namespace sluice::detail {

class ConnectionList;

class ConnectionSampler final : public LoopClient {
 public:
  static constexpr std::chrono::milliseconds kPeriod{1000};
  static constexpr std::size_t kTop = 16;  // connections described per pass
  // SIOCOUTQ calls per pass at most: past it every k-th connection is asked (a different one
  // each pass) and the sum scaled by k, so a pass stays bounded with any number of peers.
  static constexpr std::size_t kMaxProbes = 1024;

  ConnectionSampler(EventLoop& loop, const ConnectionList& pending, const ConnectionList& open);
  ~ConnectionSampler();
  ConnectionSampler(const ConnectionSampler&) = delete;
  ConnectionSampler& operator=(const ConnectionSampler&) = delete;

  void on_io(std::uint32_t) override {}
  void on_timer() override;

  // Any thread: the last pass's figures.
  std::uint64_t handshaking() const { return handshaking_.load(std::memory_order_relaxed); }
  std::uint64_t closing() const { return closing_.load(std::memory_order_relaxed); }
  std::uint64_t kernel_unsent_bytes() const { return kernel_unsent_.load(std::memory_order_relaxed); }
  std::chrono::steady_clock::duration since_last_pass() const;
  std::vector<ConnectionInfo> top() const;

 private:
  void sample();

  EventLoop& loop_;
  const ConnectionList& pending_;
  const ConnectionList& open_;
  std::uint64_t pass_ = 0;
  std::atomic<std::uint64_t> handshaking_{0};
  std::atomic<std::uint64_t> closing_{0};
  std::atomic<std::uint64_t> kernel_unsent_{0};
  std::atomic<std::chrono::steady_clock::rep> last_pass_;
  mutable std::mutex top_mutex_;
  std::vector<ConnectionInfo> top_;
};

}  // namespace sluice::detail
