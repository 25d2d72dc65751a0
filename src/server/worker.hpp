// Worker: one thread's share of a server. It owns the thread's EventLoop, its listening
// socket (SO_REUSEPORT when there are several workers) and every connection accepted on it;
// connections never migrate between workers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "loop/event_loop.hpp"
#include "net/fd.hpp"
#include "sluice/behaviors.hpp"
#include "sluice/server_options.hpp"

namespace sluice::detail {

class Connection;

using RouteTable = std::map<std::string, std::function<HttpResponse(const HttpRequest&)>, std::less<>>;

class Worker final : public LoopClient {
 public:
  Worker(const ServerOptions& options, const Behaviors& behaviors, const RouteTable& routes, Fd listener);
  ~Worker();

  void run() { loop_.run(); }
  // Any thread: stop accepting, send every open connection 1001, return from run() once they
  // are gone or shutdown_timeout passed.
  void request_stop();

  EventLoop& loop() { return loop_; }
  const ServerOptions& options() const { return options_; }
  const Behaviors& behaviors() const { return behaviors_; }
  const RouteTable& routes() const { return routes_; }

  void destroy(Connection* c);  // called by the loop's before-sleep pass only

  void on_io(std::uint32_t events) override;  // the listener is readable
  void on_timer() override;                   // accept back-off or the shutdown deadline

 private:
  void begin_stop();
  void adopt(Fd fd);

  const ServerOptions& options_;
  const Behaviors& behaviors_;
  const RouteTable& routes_;
  EventLoop loop_;
  Fd listener_;
  Connection* connections_ = nullptr;
  std::size_t connection_count_ = 0;
  bool stopping_ = false;
  bool accept_paused_ = false;
};

}  // namespace sluice::detail
