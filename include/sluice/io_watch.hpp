// Watching an application's own file descriptors on a sluice loop (Server::watch, Loop::watch):
// what a watch is interested in, and what its callback is told. A client library that brings
// its own sockets (a database driver's asynchronous API, say) attaches to the loop through this.
#pragma once

#include <cstdint>
#include <functional>

namespace sluice {

// What a watched descriptor should report. `none` keeps the watch (and its callback) but asks
// for nothing; an error or hang-up is still reported.
enum class IoInterest : std::uint8_t { none, read, write, read_write };

// What is ready. An error or a hang-up is reported as both, so that the next read or write
// finds it (as the loop does for its own connections).
struct IoReady {
  bool readable = false;
  bool writable = false;
};

// Called on the loop thread. It may change the watch's interest or unwatch its own fd.
using IoCallback = std::function<void(IoReady)>;

}  // namespace sluice
