// LoopThreads: plain std::threads around Loop::run.
#include "loop_threads.hpp"

#include <algorithm>
#include <thread>

namespace sluice::bench {

LoopThreads::LoopThreads(int count) {
  count = std::max(count, 1);
  for (int i = 0; i < count; ++i) loops_.push_back(std::make_unique<sluice::Loop>());
}

LoopThreads::~LoopThreads() = default;

void LoopThreads::run(const std::function<void(int)>& setup) {
  for (int i = 0; i < size(); ++i) loop(i).post([&setup, i] { setup(i); });
  std::vector<std::thread> threads;
  for (int i = 1; i < size(); ++i) threads.emplace_back([this, i] { loop(i).run(); });
  loop(0).run();
  for (auto& t : threads) t.join();
}

void LoopThreads::stop_all() {
  for (auto& l : loops_) l->stop();
}

}  // namespace sluice::bench
