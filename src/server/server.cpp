// Server: binds one listener per worker thread and runs their loops until stopped.
#include "sluice/server.hpp"

#include <pthread.h>

#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

#include "log.hpp"
#include "loop/signal_watch.hpp"
#include "net/socket.hpp"
#include "server/worker.hpp"

namespace sluice {

struct Server::Impl {
  ServerOptions options;
  Behaviors behaviors;
  detail::RouteTable routes;
  std::vector<std::unique_ptr<detail::Worker>> workers;
  std::uint16_t port = 0;
};

Server::Server(ServerOptions options, Behaviors behaviors) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->behaviors = std::move(behaviors);
}

Server::~Server() = default;

void Server::route(std::string path, std::function<HttpResponse(const HttpRequest&)> handler) {
  impl_->routes[std::move(path)] = std::move(handler);
}

void Server::listen() {
  if (!impl_->workers.empty()) return;
  const ServerOptions& o = impl_->options;
  int n = o.threads < 1 ? 1 : o.threads;
  // The first bind settles the port (port 0 picks one); the others share it via SO_REUSEPORT.
  detail::Fd first = detail::listen_tcp(o.host, o.port, o.backlog, n > 1);
  impl_->port = detail::local_port(first.get());
  impl_->workers.push_back(
      std::make_unique<detail::Worker>(o, impl_->behaviors, impl_->routes, std::move(first)));
  for (int i = 1; i < n; ++i) {
    impl_->workers.push_back(std::make_unique<detail::Worker>(
        o, impl_->behaviors, impl_->routes, detail::listen_tcp(o.host, impl_->port, o.backlog, true)));
  }
}

void Server::run() {
  listen();
  sigset_t old_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
  std::unique_ptr<detail::SignalWatch> signals;
  if (impl_->options.handle_signals) {
    detail::block_signals({SIGINT, SIGTERM});  // before the threads start, so they inherit it
    signals = std::make_unique<detail::SignalWatch>(
        impl_->workers[0]->loop(), std::initializer_list<int>{SIGINT, SIGTERM}, [this](int sig) {
          detail::log(LogLevel::info, "received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
          stop();
        });
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([w = impl_->workers[i].get()] { w->run(); });
  impl_->workers[0]->run();
  for (auto& t : threads) t.join();
  signals.reset();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

void Server::stop() {
  for (auto& w : impl_->workers) w->request_stop();
}

std::uint16_t Server::port() const { return impl_->port; }

}  // namespace sluice
