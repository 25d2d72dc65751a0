// SinkQueue: messages on their way back to a device, socket or child (a source's sink_topic),
// framed with the source's framing and held until the target can take them. It is bounded by
// sink_max_buffered bytes of encoded frames: a message that does not fit is dropped and
// counted, never queued. Publishing threads offer() under the relay's lock; the source's loop
// thread writes, woken through an eventfd on the poller when the queue turns non-empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include <sys/socket.h>

#include "sources/framing/framing.hpp"
#include "sources/source_poller.hpp"
#include "sources/source_status.hpp"
#include "sources/unique_fd.hpp"

namespace sluice::relay {

enum class SinkWrite : std::uint8_t {
  drained,      // everything queued was written
  would_block,  // the target is full: wait until it is writable
  failed,       // the write failed (errno in `error`): the target is gone
};

class SinkQueue {
 public:
  using Frame = std::vector<std::uint8_t>;

  // `on_ready` runs on the loop whenever offer() has queued into an empty queue; it is the
  // queue that status.sink_queued_bytes reports. Without a poller the queue is filled on the
  // loop thread (push: one connection's copy of a listening source's queue), and nobody is woken.
  SinkQueue(Framing framing, std::size_t max_bytes, SourceStatus& status);
  SinkQueue(Framing framing, std::size_t max_bytes, SourceStatus& status, SourcePoller& poller,
            std::function<void()> on_ready);
  ~SinkQueue();
  SinkQueue(const SinkQueue&) = delete;
  SinkQueue& operator=(const SinkQueue&) = delete;

  // Any thread: frames `message` and queues it, or counts it as dropped (full, unencodable).
  void offer(std::span<const std::uint8_t> message);
  // Loop thread: queues a frame already encoded (a copy from another queue), or drops it as full.
  void push(const Frame& frame);
  // Loop thread: removes the oldest whole frame, if no byte of it was written yet.
  bool take(Frame& out);

  // Loop thread: writes as much as the stream takes, one writev per call.
  SinkWrite write_to(int fd, int& error);
  // Loop thread: sends each frame as one datagram to `to`.
  SinkWrite send_to(int fd, const sockaddr* to, socklen_t to_len, int& error);
  // The target went away: a frame written in part is dropped (its rest would garble the next
  // connection's stream); whole frames stay for the next one.
  void cut_off();
  // Drops everything queued, counting each message under `reason` (the target is gone for good).
  void drop_all(SinkDrop reason);

  bool empty() const;

 private:
  void wake();
  void report_queued();

  const Framing framing_;
  const std::size_t max_bytes_;
  SourceStatus& status_;
  mutable std::mutex mutex_;
  std::deque<Frame> frames_;
  std::size_t bytes_ = 0;       // encoded bytes not yet written
  std::size_t front_done_ = 0;  // bytes of the front frame already written
  std::function<void()> on_ready_;
  UniqueFd wake_fd_;
  std::unique_ptr<PollHandle> wake_handle_;  // before wake_fd_ closes: declared after it
};

}  // namespace sluice::relay
