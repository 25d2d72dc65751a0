// Server: binds one listener per worker thread and runs their loops until stopped.
#include "sluice/server.hpp"

#include <pthread.h>

#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "log.hpp"
#include "loop/signal_watch.hpp"
#include "net/socket.hpp"
#include "server/heap_trimmer.hpp"
#include "server/server_core.hpp"
#include "server/worker.hpp"

namespace sluice {

struct Server::Impl {
  detail::ServerCore core;
  std::mutex tls_mutex;  // reloads may come from any thread
  std::uint16_t port = 0;
  std::map<int, std::function<void()>> signal_handlers;
  sigset_t mask_before_listen{};
  detail::Worker& first() { return *core.workers.front(); }
  std::vector<int> watched_signals() const {
    std::vector<int> signals;
    if (core.options.handle_signals) signals = {SIGINT, SIGTERM};
    for (const auto& entry : signal_handlers) signals.push_back(entry.first);
    return signals;
  }
  // With kernel TLS, OpenSSL writes to sockets itself, without MSG_NOSIGNAL: a peer that went away
  // must not kill the process. Blocked on the server's threads while it runs.
  bool blocks_sigpipe() const { return core.options.tls.enabled() && core.options.tls.kernel_tls; }
};

Server::Server(ServerOptions options, Behaviors behaviors) : impl_(std::make_unique<Impl>()) {
  impl_->core.options = std::move(options);
  impl_->core.ws_behaviors[0] = std::move(behaviors);
}

Server::~Server() = default;

void Server::route(std::string_view method, std::string path, HttpHandler handler) {
  impl_->core.routes.add(method, std::move(path), std::move(handler));
}

namespace {

// The next index in a table of callback sets, which a connection keeps in one byte.
template <typename T>
std::uint8_t append_set(std::vector<T>& sets, T set, const char* what) {
  if (sets.size() > 255) throw std::length_error(std::string("sluice: more than 255 ") + what);
  sets.push_back(std::move(set));
  return static_cast<std::uint8_t>(sets.size() - 1);
}

}  // namespace

void Server::route(std::string_view method, std::string path, HttpHandler handler, StreamBehaviors stream) {
  if (!impl_->core.workers.empty()) throw std::logic_error("sluice: Server::route after listen()");
  const std::uint8_t set = append_set(impl_->core.stream_behaviors, std::move(stream), "streaming routes");
  impl_->core.routes.add(method, std::move(path), std::move(handler), set);
}

void Server::ws(std::string path, Behaviors behaviors) {
  if (!impl_->core.workers.empty()) throw std::logic_error("sluice: Server::ws after listen()");
  const std::uint8_t set = append_set(impl_->core.ws_behaviors, std::move(behaviors), "WebSocket paths");
  impl_->core.ws_routes.at(std::move(path)) = set;
}

void Server::topic(std::string name, TopicOptions options) {
  impl_->core.topic_options[std::move(name)] = options;
}

void Server::listen() {
  detail::ServerCore& core = impl_->core;
  if (!core.workers.empty()) return;
  const ServerOptions& o = core.options;
  int n = o.threads < 1 ? 1 : o.threads;
  // Before the port is bound: a server that cannot present its certificates does not start.
  if (o.tls.enabled()) core.tls = detail::TlsServerContext::load(o.tls);
  // Held from before the port opens, not from run(): a supervisor may signal as soon as it can
  // connect, and a blocked signal stays pending until run()'s signalfd reads it. Worker threads
  // inherit the mask.
  pthread_sigmask(SIG_SETMASK, nullptr, &impl_->mask_before_listen);
  detail::block_signals(impl_->watched_signals());
  if (impl_->blocks_sigpipe()) detail::block_signals({SIGPIPE});
  // The first bind settles the port (port 0 picks one); the others share it via SO_REUSEPORT.
  detail::Fd first;
  try {
    first = detail::listen_tcp(o.host, o.port, o.backlog, n > 1);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &impl_->mask_before_listen, nullptr);
    throw;
  }
  impl_->port = detail::local_port(first.get());
  core.budget = std::make_unique<detail::MemoryBudget>(o.max_total_buffered_bytes, n);
  core.peer_limits = std::make_unique<detail::PeerLimits>(o.max_connections, o.max_connections_per_ip);
  core.flow.set_inbound_limit(o.low_watermark);
  core.workers.push_back(std::make_unique<detail::Worker>(core, std::move(first), 0));
  for (int i = 1; i < n; ++i) {
    core.workers.push_back(
        std::make_unique<detail::Worker>(core, detail::listen_tcp(o.host, impl_->port, o.backlog, true), i));
  }
}

void Server::run() {
  listen();
  std::vector<int> signals = impl_->watched_signals();
  std::unique_ptr<detail::SignalWatch> watch;
  if (!signals.empty()) {
    watch = std::make_unique<detail::SignalWatch>(impl_->first().loop(), signals, [this](int signo) {
      auto it = impl_->signal_handlers.find(signo);
      if (it != impl_->signal_handlers.end()) {
        it->second();
        return;
      }
      detail::log(LogLevel::info, "received {}; shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
      stop();
    });
  }
  detail::HeapTrimmer trimmer(impl_->first().loop(), impl_->core);
  std::vector<std::thread> threads;
  auto& workers = impl_->core.workers;
  for (std::size_t i = 1; i < workers.size(); ++i) threads.emplace_back([w = workers[i].get()] { w->run(); });
  workers[0]->run();
  for (auto& t : threads) t.join();
  watch.reset();
  if (impl_->blocks_sigpipe()) {
    // A SIGPIPE this thread's writes raised is pending: taken here, it is not delivered when the
    // mask is restored.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    const timespec now{};
    while (sigtimedwait(&pipe, nullptr, &now) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &impl_->mask_before_listen, nullptr);
}

void Server::stop() {
  for (auto& w : impl_->core.workers) w->request_stop();
}

PublishResult Server::publish(std::string_view topic, std::string_view data, Opcode opcode) {
  return impl_->core.publish(topic, data, opcode, std::nullopt);
}

PublishResult Server::publish(std::string_view topic, std::string_view data, Opcode opcode,
                              Compression compression) {
  return impl_->core.publish(topic, data, opcode, compression);
}

bool Server::topic_blocked(std::string_view topic) const { return impl_->core.flow.blocked(topic); }

void Server::when_topic_unblocked(std::string_view topic, std::function<void()> fn) {
  listen();
  detail::Worker* here = detail::Worker::current();
  detail::EventLoop& loop = here ? here->loop() : impl_->first().loop();
  impl_->core.flow.when_unblocked(topic, loop, std::move(fn));
}

bool Server::post(std::function<void()> task) {
  listen();
  return impl_->first().loop().post(std::move(task));
}

bool Server::watch(int fd, std::function<void()> on_readable) {
  listen();
  return impl_->first().app_fds().watch(fd, std::move(on_readable));
}

bool Server::watch(int fd, IoInterest interest, IoCallback on_io) {
  listen();
  return impl_->first().app_fds().watch(fd, interest, std::move(on_io));
}
void Server::set_interest(int fd, IoInterest interest) {
  impl_->first().app_fds().set_interest(fd, interest);
}
void Server::set_paused(int fd, bool paused) { impl_->first().app_fds().set_paused(fd, paused); }
void Server::unwatch(int fd) { impl_->first().app_fds().unwatch(fd); }

void Server::on_signal(int signo, std::function<void()> handler) {
  impl_->signal_handlers[signo] = std::move(handler);
  if (!impl_->core.workers.empty()) detail::block_signals({signo});  // after listen(): hold it too
}

ServerStats Server::stats() const { return impl_->core.stats(); }
std::vector<ConnectionInfo> Server::connections(std::size_t n) const { return impl_->core.connections(n); }

void Server::reload_tls() {
  ServerTlsOptions tls;
  {
    std::lock_guard<std::mutex> lock(impl_->tls_mutex);
    tls = impl_->core.options.tls;
  }
  reload_tls(std::move(tls));
}

void Server::reload_tls(ServerTlsOptions tls) {
  std::lock_guard<std::mutex> lock(impl_->tls_mutex);
  detail::ServerCore& core = impl_->core;
  if (!core.options.tls.enabled()) throw std::runtime_error("TLS: the server was started without TLS");
  if (tls.kernel_tls != core.options.tls.kernel_tls)
    throw std::runtime_error("TLS: kernel_tls cannot change while the server runs");
  std::shared_ptr<const detail::TlsServerContext> loaded = detail::TlsServerContext::load(tls);  // may throw
  core.options.tls = std::move(tls);
  core.tls = loaded;
  for (auto& w : core.workers) w->loop().post_control([w = w.get(), loaded] { w->use_tls(loaded); });
}

std::uint16_t Server::port() const { return impl_->port; }

}  // namespace sluice
