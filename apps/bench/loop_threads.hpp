// LoopThreads: the load generator's threads, one sluice::Loop each (at most one per core is
// useful). Loop 0 runs on the calling thread. Each scenario keeps per-thread state, touched only
// from its own loop, and merges it after run() returns.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "sluice/loop.hpp"

namespace sluice::bench {

class LoopThreads {
 public:
  explicit LoopThreads(int count);
  ~LoopThreads();
  LoopThreads(const LoopThreads&) = delete;
  LoopThreads& operator=(const LoopThreads&) = delete;

  int size() const { return static_cast<int>(loops_.size()); }
  sluice::Loop& loop(int i) { return *loops_[static_cast<std::size_t>(i)]; }

  // Calls setup(i) inside loop i's first turn, on its thread, and returns when every loop has
  // stopped (each scenario stops its loops itself, and arms a safety timer for that).
  void run(const std::function<void(int)>& setup);
  void stop_all();  // any thread

 private:
  std::vector<std::unique_ptr<sluice::Loop>> loops_;
};

}  // namespace sluice::bench
