// Server: listens, upgrades, and runs one event loop per thread until stopped.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/behaviors.hpp"
#include "sluice/http.hpp"
#include "sluice/http_stream.hpp"
#include "sluice/io_watch.hpp"
#include "sluice/opcode.hpp"
#include "sluice/policy.hpp"
#include "sluice/server_options.hpp"
#include "sluice/stats.hpp"

namespace sluice {

class Server {
 public:
  Server(ServerOptions options, Behaviors behaviors);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves plain (non-upgrade) GET and HEAD requests for `path`. A path ending in "/*" serves
  // every path below it; the exact path wins, then the longest prefix. Unknown paths answer
  // 404, a known path asked with another method 405 with an Allow header.
  void route(std::string path, HttpHandler handler) { route("GET", std::move(path), std::move(handler)); }
  // The same for one method ("POST", "PUT", "DELETE", ...). Requests may carry a body framed by
  // Content-Length, up to ServerOptions::max_body_bytes (larger: 413); `Expect: 100-continue`
  // is answered before the body is read. HTTP/1.1 connections stay open for further requests
  // unless the client asks otherwise.
  void route(std::string_view method, std::string path, HttpHandler handler);
  // The same, for a route whose handler may answer HttpResponse::stream(): its streams call
  // `stream` back (sluice/http_stream.hpp).
  void route(std::string_view method, std::string path, HttpHandler handler, StreamBehaviors stream);

  // WebSocket behaviors for upgrades to `path` ("/x/*": every path below /x/; the exact path
  // wins, then the longest prefix) instead of the constructor's, which serve the other paths.
  // At most 255 paths. Call before listen().
  void ws(std::string path, Behaviors behaviors);
  template <typename T>
  void ws(std::string path, TypedBehaviors<T> behaviors) {
    ws(std::move(path), std::move(behaviors).erase());
  }
  // Settings for one topic (call before run()).
  void topic(std::string name, TopicOptions options);

  // Encodes once and queues a reference for every subscriber of `topic` on every worker.
  // Any thread. The result counts the subscribers served synchronously: those of the calling
  // loop thread; receivers on other threads are counted in stats() only.
  PublishResult publish(std::string_view topic, std::string_view data, Opcode opcode = Opcode::binary);
  // The same, with this message's compression chosen here rather than by the topic's options
  // (an application whose own topics are patterns knows it per message). Subscribers that did
  // not negotiate permessage-deflate receive it plain either way.
  PublishResult publish(std::string_view topic, std::string_view data, Opcode opcode,
                        Compression compression);

  // Producer flow control, for topics whose subscribers have the backpressure policy. A topic
  // is blocked while any open subscriber of it, on any thread, whose policy for it is
  // `backpressure` holds more than low_watermark in its send queue. A producer that publishes
  // only while its topic is not blocked loses nothing to the cap: the room between
  // low_watermark and max_buffered_bytes takes what it published before it looked.
  bool topic_blocked(std::string_view topic) const;  // any thread
  // Runs `fn` once, on the calling loop thread (the first worker's when called from elsewhere),
  // as soon as `topic` is not blocked: in the loop's next turn if it is not blocked now.
  void when_topic_unblocked(std::string_view topic, std::function<void()> fn);

  // Runs `task` on the first worker's loop thread, inside a loop turn (so sends are corked).
  // False when max_posted_tasks already wait there: the task is dropped, and counted in
  // ServerStats::posts_refused.
  bool post(std::function<void()> task);
  // Calls `on_readable` on the first worker's loop whenever `fd` (owned by the caller) is
  // readable. Call after listen(); stop watching with unwatch() before closing the fd.
  // False when the fd cannot be watched (not open, or a kind epoll does not take, such as a
  // regular file).
  bool watch(int fd, std::function<void()> on_readable);
  // The same with an interest (readable, writable, both or none) and what was ready, for
  // descriptors that must also be written when they can take it (a client library's socket
  // with commands queued); set_interest() changes it (sluice/io_watch.hpp).
  bool watch(int fd, IoInterest interest, IoCallback on_io);
  void set_interest(int fd, IoInterest interest);  // loop thread only
  void set_paused(int fd, bool paused);            // loop thread only: stop/resume reading `fd`
  void unwatch(int fd);                            // loop thread only
  // Calls `handler` on the first worker's loop when `signo` arrives (call before run()).
  void on_signal(int signo, std::function<void()> handler);

  ServerStats stats() const;  // any thread; a snapshot summed over the workers
  // Any thread: the `n` upgraded connections with the most bytes queued (then the most in the
  // kernel), most first, from each worker's once-a-second pass (at most a second old, and at
  // most 16 per worker). Among connections with as much queued, the oldest are listed.
  std::vector<ConnectionInfo> connections(std::size_t n = 10) const;

  // Reads the TLS certificates again (ServerOptions::tls), or loads `tls` instead: connections
  // accepted afterwards get them, open ones keep theirs. Any thread. Throws std::runtime_error
  // naming the file and the problem when they cannot be loaded (the running ones stay), or when
  // the server was not started with TLS.
  void reload_tls();
  void reload_tls(ServerTlsOptions tls);

  // Binds the listeners now. Throws std::system_error with a clear message when it cannot.
  // From here on the calling thread holds the handled signals (SIGINT/SIGTERM unless
  // handle_signals is off, and on_signal's) until run() takes them, so none is lost between.
  void listen();
  // Runs every worker loop; returns after stop() or a handled signal, once connections drained.
  void run();
  // Thread-safe; may be called from any thread or callback.
  void stop();

  std::uint16_t port() const;  // the bound port, valid after listen()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
