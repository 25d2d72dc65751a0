// Worker: one thread's share of a server. It owns the thread's EventLoop, its listening
// socket (SO_REUSEPORT when there are several workers), every connection accepted on it, its
// topics and its counters; connections never migrate between workers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "loop/event_loop.hpp"
#include "net/fd.hpp"
#include "send/frame_buffer.hpp"
#include "server/counters.hpp"
#include "server/server_core.hpp"
#include "server/topic_registry.hpp"

namespace sluice::detail {

class Connection;

class Worker final : public LoopClient {
 public:
  Worker(ServerCore& core, Fd listener);
  ~Worker();

  void run();
  // Any thread: stop accepting, send every open connection 1001, return from run() once they
  // are gone or shutdown_timeout passed.
  void request_stop();
  // The worker whose loop runs on the calling thread, if any.
  static Worker* current();

  EventLoop& loop() { return loop_; }
  ServerCore& core() { return core_; }
  const ServerOptions& options() const { return core_.options; }
  const Behaviors& behaviors() const { return core_.behaviors; }
  const RouteTable& routes() const { return core_.routes; }
  TopicRegistry& topics() { return topics_; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }

  // Queues `frame` for every local subscriber of `topic` (loop thread only).
  PublishResult publish_local(std::string_view topic, const FrameRef& frame);

  // Application file descriptors watched on this loop (Server::watch).
  void watch_app_fd(int fd, std::function<void()> on_readable);
  void pause_app_fd(int fd, bool paused);
  void unwatch_app_fd(int fd);

  void destroy(Connection* c);  // called by the loop's before-sleep pass only

  void on_io(std::uint32_t events) override;  // the listener is readable
  void on_timer() override;                   // accept back-off or the shutdown deadline

 private:
  class AppWatch;
  void begin_stop();
  void adopt(Fd fd);

  ServerCore& core_;
  EventLoop loop_;
  Fd listener_;
  TopicRegistry topics_;
  Counters counters_;
  std::map<int, std::unique_ptr<AppWatch>> app_fds_;
  Connection* connections_ = nullptr;
  std::size_t connection_count_ = 0;
  bool stopping_ = false;
  bool accept_paused_ = false;
};

}  // namespace sluice::detail
