// SignalWatch: delivers chosen signals as loop events through a signalfd, so handlers run as
// ordinary code on the loop thread instead of in async-signal context.
#pragma once

#include <csignal>
#include <functional>
#include <vector>

#include "loop/event_loop.hpp"

namespace sluice::detail {

class SignalWatch final : public LoopClient {
 public:
  // The signals must already be blocked in every thread (see block_signals).
  SignalWatch(EventLoop& loop, const std::vector<int>& signals, std::function<void(int)> handler);
  ~SignalWatch();
  void on_io(std::uint32_t events) override;

 private:
  EventLoop& loop_;
  Fd fd_;
  std::function<void(int)> handler_;
};

// Blocks the signals in the calling thread; threads started afterwards inherit the mask.
void block_signals(const std::vector<int>& signals);

}  // namespace sluice::detail
