// PublishInbox: the publishes bound for one worker's loop from other threads (Server::publish
// called off that loop's thread). It is a ring of fixed size, bounded in messages and in the
// memory of their frames like every other queue: what does not fit is refused and counted,
// never held without limit. Every worker a publish goes to shares its one encoded frame and one
// copy of its topic's name, so a publish allocates nothing per worker; and a producer wakes the
// loop only when it finds the inbox drained, so a burst costs the loop one wake-up.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>

#include "loop/event_loop.hpp"
#include "loop/loop_client.hpp"
#include "net/fd.hpp"
#include "send/frame_buffer.hpp"
#include "sluice/compression.hpp"

namespace sluice::detail {

// A topic's name in one block with its reference count, made once per cross-thread publish.
class SharedTopicName {
 public:
  SharedTopicName() = default;
  explicit SharedTopicName(std::string_view name);
  SharedTopicName(SharedTopicName&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  SharedTopicName& operator=(SharedTopicName&& o) noexcept {
    if (this != &o) {
      reset();
      block_ = std::exchange(o.block_, nullptr);
    }
    return *this;
  }
  SharedTopicName(const SharedTopicName&) = delete;
  SharedTopicName& operator=(const SharedTopicName&) = delete;
  ~SharedTopicName() { reset(); }

  SharedTopicName share() const;
  explicit operator bool() const { return block_ != nullptr; }
  std::string_view view() const;
  void reset();

 private:
  struct Block;
  Block* block_ = nullptr;
};

struct InboundPublish {
  FrameRef frame;
  SharedTopicName topic;
  std::optional<Compression> compression;
};

class PublishInbox final : public LoopClient {
 public:
  using Deliver = std::function<void(InboundPublish&)>;
  // `deliver` runs on the loop's thread for each publish, oldest first.
  PublishInbox(EventLoop& loop, std::size_t max_messages, std::size_t max_bytes, Deliver deliver);
  ~PublishInbox();
  PublishInbox(const PublishInbox&) = delete;
  PublishInbox& operator=(const PublishInbox&) = delete;

  // Any thread. False, and counted, when the inbox holds max_messages, or when the frame's
  // footprint would take it past max_bytes.
  bool push(const FrameRef& frame, const SharedTopicName& topic, std::optional<Compression> compression);

  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  std::uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

  void on_io(std::uint32_t events) override;  // the eventfd: publishes are waiting

 private:
  // At most this many are taken out under the lock at once, then delivered without it.
  static constexpr std::size_t kBatch = 64;
  std::size_t take(InboundPublish* out, std::size_t most);
  void wake();

  EventLoop& loop_;
  Fd event_fd_;
  const std::size_t max_messages_;
  const std::size_t max_bytes_;
  Deliver deliver_;

  std::mutex mutex_;
  std::unique_ptr<InboundPublish[]> ring_;  // made by the first push: most servers never need it
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  bool wake_armed_ = true;  // the loop took everything: the next push writes the eventfd
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> wakeups_{0};
};

}  // namespace sluice::detail
