#include "server/publish_inbox.hpp"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <system_error>

namespace sluice::detail {

struct SharedTopicName::Block {
  std::atomic<std::uint32_t> refs{1};
  std::uint32_t size = 0;
  char* chars() { return reinterpret_cast<char*>(this + 1); }
};

SharedTopicName::SharedTopicName(std::string_view name) {
  void* mem = ::operator new(sizeof(Block) + name.size());
  block_ = new (mem) Block;
  block_->size = static_cast<std::uint32_t>(name.size());
  if (!name.empty()) std::memcpy(block_->chars(), name.data(), name.size());
}

SharedTopicName SharedTopicName::share() const {
  SharedTopicName copy;
  if (block_) {
    block_->refs.fetch_add(1, std::memory_order_relaxed);
    copy.block_ = block_;
  }
  return copy;
}

std::string_view SharedTopicName::view() const {
  return block_ ? std::string_view(block_->chars(), block_->size) : std::string_view();
}

void SharedTopicName::reset() {
  Block* b = std::exchange(block_, nullptr);
  if (b && b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    b->~Block();
    ::operator delete(b);
  }
}

PublishInbox::PublishInbox(EventLoop& loop, std::size_t max_messages, std::size_t max_bytes, Deliver deliver)
    : loop_(loop),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      max_messages_(max_messages),
      max_bytes_(max_bytes),
      deliver_(std::move(deliver)) {
  if (!event_fd_) throw std::system_error(errno, std::generic_category(), "eventfd (publish inbox)");
  if (int err = loop_.watch(event_fd_.get(), this, true, false))
    throw std::system_error(err, std::generic_category(), "epoll_ctl ADD (publish inbox)");
}

PublishInbox::~PublishInbox() {
  loop_.unwatch(event_fd_.get());
  loop_.forget(this);
}

bool PublishInbox::push(const FrameRef& frame, const SharedTopicName& topic,
                        std::optional<Compression> compression) {
  const std::size_t bytes = frame.get()->footprint();
  bool wake_now = false;
  {
    std::lock_guard lock(mutex_);
    if (count_ >= max_messages_ || bytes > max_bytes_ - bytes_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (!ring_) ring_ = std::make_unique<InboundPublish[]>(max_messages_);
    InboundPublish& slot = ring_[(head_ + count_) % max_messages_];
    slot.frame = frame.share();
    slot.topic = topic.share();
    slot.compression = compression;
    ++count_;
    bytes_ += bytes;
    wake_now = std::exchange(wake_armed_, false);
  }
  if (wake_now) wake();
  return true;
}

void PublishInbox::wake() {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(event_fd_.get(), &one, sizeof one);
}

std::size_t PublishInbox::take(InboundPublish* out, std::size_t most) {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (; n < most && count_ > 0; ++n) {
    InboundPublish& slot = ring_[head_];
    bytes_ -= slot.frame.get()->footprint();
    out[n] = std::move(slot);
    head_ = (head_ + 1) % max_messages_;
    --count_;
  }
  if (count_ == 0) wake_armed_ = true;
  return n;
}

void PublishInbox::on_io(std::uint32_t) {
  std::uint64_t v;
  [[maybe_unused]] auto r = ::read(event_fd_.get(), &v, sizeof v);
  // One turn delivers at most what a full inbox holds, so that producers that keep it full
  // cannot keep the loop from its sockets; the rest waits for the next turn.
  InboundPublish batch[kBatch];
  std::size_t left = max_messages_;
  while (left > 0) {
    const std::size_t n = take(batch, std::min(kBatch, left));
    if (n == 0) return;
    left -= n;
    for (std::size_t i = 0; i < n; ++i) {
      deliver_(batch[i]);
      batch[i].frame.reset();
      batch[i].topic.reset();
    }
  }
  std::lock_guard lock(mutex_);
  if (count_ > 0) {
    wake();  // still not drained, and producers will not write while wake_armed_ is false
  }
}

}  // namespace sluice::detail
