// FdWatches: application file descriptors watched on a loop (a UDP socket, stdin, a serial
// port, a client library's socket), each with its callback and its interest (readable,
// writable, both or none); shared by Server::watch and Loop::watch.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "loop/event_loop.hpp"
#include "sluice/io_watch.hpp"

namespace sluice::detail {

class FdWatches {
 public:
  explicit FdWatches(EventLoop& loop) : loop_(loop) {}
  ~FdWatches();
  FdWatches(const FdWatches&) = delete;
  FdWatches& operator=(const FdWatches&) = delete;

  bool watch(int fd, std::function<void()> on_readable);  // false: epoll refused the fd
  bool watch(int fd, IoInterest interest, IoCallback on_io);
  void set_paused(int fd, bool paused);  // readable-only watches: interest read or none
  void set_interest(int fd, IoInterest interest);
  void unwatch(int fd);

 private:
  class Watch final : public LoopClient {
   public:
    explicit Watch(IoCallback fn) : fn_(std::move(fn)) {}
    void on_io(std::uint32_t events) override {
      fn_(IoReady{(events & io_event::readable) != 0, (events & io_event::writable) != 0});
    }

   private:
    IoCallback fn_;
  };
  EventLoop& loop_;
  std::map<int, std::unique_ptr<Watch>> watches_;
};

}  // namespace sluice::detail
