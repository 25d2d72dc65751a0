// SourcePoller: the sources' own epoll set, nested in the server's first loop. The server
// watches this set's descriptor (Server::watch); when it turns readable, the poller hands each
// ready descriptor's events to its PollHandle. Sources need what a plain readable-watch does not
// give: writable readiness for the way back to a device, interest removed entirely while a
// source is paused (so a hung-up pipe does not wake the loop over and over), and handles that may
// be dropped while events for them are still in hand.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include <sluice/sluice.hpp>

#include "sources/unique_fd.hpp"

namespace sluice::relay {

enum class Interest : std::uint8_t { none, read, write, read_write };

// Bits passed to a handle's callback. An error or hang-up is reported as both, so that the next
// read or write sees it (the engine's loop does the same).
namespace io {
inline constexpr std::uint32_t readable = 1;
inline constexpr std::uint32_t writable = 2;
}  // namespace io

class PollHandle;

class SourcePoller {
 public:
  // Starts watching on `server`'s first loop; call after Server::listen(). Throws
  // std::system_error when the epoll set cannot be made.
  explicit SourcePoller(sluice::Server& server);
  ~SourcePoller();  // on the loop thread, or once the loops have ended
  SourcePoller(const SourcePoller&) = delete;
  SourcePoller& operator=(const SourcePoller&) = delete;

  // Runs `task` on the loop soon, outside any handle's callback: how a source frees a
  // connection, device or child from inside that object's own callback chain.
  void defer(std::function<void()> task);
  // Runs the deferred tasks now; for an owner about to free what those tasks' objects refer to.
  void flush_deferred() { run_deferred(); }
  // Frees `object` the same way.
  template <typename T>
  void dispose(std::unique_ptr<T> object) {
    if (object) defer([held = std::shared_ptr<T>(std::move(object))] {});
  }

  // One read buffer for every source on this loop: a read is decoded before the next one starts.
  std::span<std::uint8_t> scratch() { return {scratch_.get(), scratch_size}; }
  static constexpr std::size_t scratch_size = 64 * 1024;

 private:
  friend class PollHandle;
  void dispatch();
  int control(int op, int fd, std::uint32_t events, PollHandle* handle);
  void forget(PollHandle* handle);
  void run_deferred();

  sluice::Server& server_;
  UniqueFd epoll_;
  std::unique_ptr<std::uint8_t[]> scratch_;
  struct Batch;
  Batch* batch_ = nullptr;  // the events being dispatched, while dispatch() runs
  std::vector<std::function<void()>> deferred_;
  UniqueFd deferred_fd_;  // an eventfd, readable while tasks wait
  std::unique_ptr<PollHandle> deferred_handle_;
};

// One descriptor in the set, with the callback its events go to. The descriptor stays the
// caller's; destroy the handle before closing it. Pinned in memory: epoll holds its address.
class PollHandle {
 public:
  using Callback = std::function<void(std::uint32_t events)>;

  PollHandle(SourcePoller& poller, int fd, Callback on_io);
  ~PollHandle();
  PollHandle(const PollHandle&) = delete;
  PollHandle& operator=(const PollHandle&) = delete;

  // What the callback is called for; `none` takes the descriptor out of the set. Returns 0, or
  // the errno of a descriptor epoll refuses. A regular file (stdin redirected from one), which
  // epoll cannot watch and which never blocks, is stood in for by an always-ready eventfd.
  int set(Interest interest);
  Interest interest() const { return interest_; }

 private:
  friend class SourcePoller;
  int watched_fd() const { return stand_in_ ? stand_in_.get() : fd_; }

  SourcePoller& poller_;
  int fd_;
  Callback on_io_;
  Interest interest_ = Interest::none;
  UniqueFd stand_in_;
};

}  // namespace sluice::relay
