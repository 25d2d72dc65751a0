// Server: listens, upgrades, and runs one event loop per thread until stopped.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "sluice/behaviors.hpp"
#include "sluice/http.hpp"
#include "sluice/server_options.hpp"

namespace sluice {

class Server {
 public:
  Server(ServerOptions options, Behaviors behaviors);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves plain (non-upgrade) GET requests for `path`; unknown paths answer 404.
  void route(std::string path, std::function<HttpResponse(const HttpRequest&)> handler);

  // Binds the listeners now. Throws std::system_error with a clear message when it cannot.
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
