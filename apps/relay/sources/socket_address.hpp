// SocketAddress: an Endpoint turned into what bind() and connect() take. A numeric address is
// converted at once; a host name goes through getaddrinfo, which may block on DNS, so a source
// that connects resolves names through an AsyncResolution (a thread of its own that hands the
// answer back through the poller), while listeners, which start with the relay, resolve inline.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>

#include "config/endpoint.hpp"
#include "sources/source_poller.hpp"

namespace sluice::relay {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  std::string to_string() const;  // "127.0.0.1:5000", "[::1]:5000"
};

struct Resolved {
  bool ok = false;
  SocketAddress address;
  std::string error;  // getaddrinfo's message when not ok
};

// Numeric hosts only; nothing for a name.
bool numeric_address(const Endpoint& endpoint, SocketAddress& out);
// Any host; blocks while a name is looked up. `socktype`: SOCK_STREAM or SOCK_DGRAM.
Resolved resolve(const Endpoint& endpoint, int socktype);

// One lookup of a host name on its own thread; `done` runs on the poller's loop with the
// answer, unless this object is destroyed first (the thread then finishes and its answer is
// thrown away).
class AsyncResolution {
 public:
  AsyncResolution(SourcePoller& poller, Endpoint endpoint, int socktype, std::function<void(Resolved)> done);
  ~AsyncResolution();
  AsyncResolution(const AsyncResolution&) = delete;
  AsyncResolution& operator=(const AsyncResolution&) = delete;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::function<void(Resolved)> done_;
  std::unique_ptr<PollHandle> handle_;
};

}  // namespace sluice::relay
