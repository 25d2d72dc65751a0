// Worker: one thread's share of a server. It owns the thread's EventLoop, its listening
// socket (SO_REUSEPORT when there are several workers), every connection accepted on it, its
// topics and its counters; connections never migrate between workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "conn/endpoint.hpp"
#include "conn/transport.hpp"
#include "loop/event_loop.hpp"
#include "loop/fd_watches.hpp"
#include "net/fd.hpp"
#include "net/socket.hpp"
#include "send/counters.hpp"
#include "send/frame_buffer.hpp"
#include "server/connection_list.hpp"
#include "server/connection_sampler.hpp"
#include "server/publish_inbox.hpp"
#include "server/server_core.hpp"
#include "server/topic_registry.hpp"

namespace sluice::detail {

class Connection;

// The loop lives in a base that is constructed before Endpoint, which keeps a reference to it.
struct OwnedLoop {
  EventLoop owned_loop;
};

class Worker final : private OwnedLoop, public Endpoint, public LoopClient {
 public:
  // `index` is the worker's place in core.workers, and its slot in core.budget.
  Worker(ServerCore& core, Fd listener, int index);
  ~Worker();

  void run();
  // Any thread: stop accepting, send every open connection 1001, return from run() once they
  // are gone or shutdown_timeout passed.
  void request_stop();
  // The worker whose loop runs on the calling thread, if any.
  static Worker* current();

  using Endpoint::loop;
  ServerCore& core() { return core_; }
  const ServerOptions& options() const { return core_.options; }

  // Endpoint
  void destroy(Connection* c) override;  // called by the loop's before-sleep pass only
  void on_upgraded(Connection* c) override;
  void on_back_to_requests(Connection* c) override;
  void on_backlog(Connection& c, bool over) override { topics_.on_backlog(c, over); }
  void on_closed(Connection& c) override { topics_.leave_all(c); }
  // Topics of this worker's connections (loop thread only); subscribe() takes open ones only.
  bool subscribe(Connection& c, std::string_view topic);
  TopicRegistry& topics() { return topics_; }
  const RouteTable* routes() const override { return &core_.routes; }
  std::uint8_t ws_behaviors_for(std::string_view path) const override {
    const std::uint8_t* set = core_.ws_routes.find(path);
    return set ? *set : 0;
  }

  // Queues `frame` for every local subscriber of `topic` (loop thread only).
  // compression: the message's own, or unset for the topic's options.
  PublishResult publish_local(std::string_view topic, const FrameRef& frame,
                              std::optional<Compression> compression);

  // Any thread but this worker's: hands a publish to its loop. False (and counted) when its
  // inbox is full.
  bool post_publish(const FrameRef& frame, const SharedTopicName& topic,
                    std::optional<Compression> compression);
  const PublishInbox& inbox() const { return inbox_; }

  FdWatches& app_fds() { return app_fds_; }  // Server::watch
  // Connections accepted from now on use these certificates (loop thread only).
  void use_tls(std::shared_ptr<const TlsServerContext> tls) { tls_ = std::move(tls); }
  // Memory of the frames published to this worker from other threads, not yet handed to its
  // subscribers.
  std::atomic<std::size_t>& inbound_bytes() { return inbound_bytes_; }
  const ConnectionSampler& sampler() const { return sampler_; }

  void on_io(std::uint32_t events) override;  // the listener is readable
  void on_timer() override;                   // accept back-off or the shutdown deadline

 private:
  void begin_stop();
  // Out of file descriptors: frees one by cutting the oldest handshake, or by answering the
  // next connection 503 through the spare fd. False when neither was possible.
  bool make_room_for_accept();
  void adopt(Fd fd, const sockaddr_storage& peer);
  Transport transport_for(Fd fd);              // plain, or TLS with the current certificates
  bool cut_oldest_handshake(const char* why);  // false: none in flight
  std::size_t connection_count() const { return pending_.size() + open_.size(); }
  template <typename F>
  void for_each_connection(F f);

  ServerCore& core_;
  Fd listener_;
  TopicRegistry topics_;
  std::shared_ptr<const TlsServerContext> tls_;
  FdWatches app_fds_{loop()};
  std::atomic<std::size_t> inbound_bytes_{0};
  PublishInbox inbox_;
  ConnectionList pending_;  // not upgraded: handshakes in flight and refusals being answered
  ConnectionList open_;
  ConnectionSampler sampler_{loop(), pending_, open_};
  std::size_t max_pending_;  // this worker's share of max_handshakes; 0: no limit
  SpareFd spare_fd_;
  bool stopping_ = false;
  bool accept_paused_ = false;
};

}  // namespace sluice::detail
