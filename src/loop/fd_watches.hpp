// FdWatches: application file descriptors watched on a loop (a UDP socket, stdin, a serial
// port), each with its callback; shared by Server::watch and Loop::watch.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "loop/event_loop.hpp"

namespace sluice::detail {

class FdWatches {
 public:
  explicit FdWatches(EventLoop& loop) : loop_(loop) {}
  ~FdWatches();
  FdWatches(const FdWatches&) = delete;
  FdWatches& operator=(const FdWatches&) = delete;

  bool watch(int fd, std::function<void()> on_readable);  // false: epoll refused the fd
  void set_paused(int fd, bool paused);
  void unwatch(int fd);

 private:
  class Watch final : public LoopClient {
   public:
    explicit Watch(std::function<void()> fn) : fn_(std::move(fn)) {}
    void on_io(std::uint32_t) override { fn_(); }

   private:
    std::function<void()> fn_;
  };
  EventLoop& loop_;
  std::map<int, std::unique_ptr<Watch>> watches_;
};

}  // namespace sluice::detail
