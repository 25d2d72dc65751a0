// Frames are encoded by the offering thread, outside the loop, and queued whole; the writer
// gathers up to 64 of them into one writev and remembers how far into the front one it got.
#include "sources/sink_queue.hpp"

#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "sources/framing/frame_encoder.hpp"

namespace sluice::relay {

namespace {

constexpr std::size_t max_iovecs = 64;

}  // namespace

SinkQueue::SinkQueue(Framing framing, std::size_t max_bytes, SourceStatus& status)
    : framing_(framing), max_bytes_(max_bytes), status_(status) {}

SinkQueue::SinkQueue(Framing framing, std::size_t max_bytes, SourceStatus& status, SourcePoller& poller,
                     std::function<void()> on_ready)
    : SinkQueue(framing, max_bytes, status) {
  on_ready_ = std::move(on_ready);
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_) throw std::system_error(errno, std::generic_category(), "sink: eventfd");
  wake_handle_ = std::make_unique<PollHandle>(poller, wake_fd_.get(), [this](std::uint32_t) {
    std::uint64_t n = 0;
    if (::read(wake_fd_.get(), &n, sizeof n) == sizeof n && on_ready_) on_ready_();
  });
  if (int rc = wake_handle_->set(Interest::read); rc != 0)
    throw std::system_error(rc, std::generic_category(), "sink: watching its eventfd");
}

SinkQueue::~SinkQueue() { wake_handle_.reset(); }

void SinkQueue::offer(std::span<const std::uint8_t> message) {
  Frame frame;
  if (encode_frame(framing_, message, frame) != EncodeStatus::ok) {
    status_.add_sink_drop(SinkDrop::unencodable);
    return;
  }
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (frame.size() > max_bytes_ - std::min(bytes_, max_bytes_)) {
      status_.add_sink_drop(SinkDrop::full);
      return;
    }
    was_empty = frames_.empty();
    bytes_ += frame.size();
    frames_.push_back(std::move(frame));
    report_queued();
  }
  if (was_empty) wake();
}

void SinkQueue::push(const Frame& frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frame.size() > max_bytes_ - std::min(bytes_, max_bytes_)) {
    status_.add_sink_drop(SinkDrop::full);
    return;
  }
  bytes_ += frame.size();
  frames_.push_back(frame);
}

bool SinkQueue::take(Frame& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frames_.empty() || front_done_ > 0) return false;
  out = std::move(frames_.front());
  frames_.pop_front();
  bytes_ -= out.size();
  report_queued();
  return true;
}

void SinkQueue::report_queued() {
  if (wake_fd_) status_.set_sink_queued(bytes_);
}

void SinkQueue::wake() {
  if (!wake_fd_) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

SinkWrite SinkQueue::write_to(int fd, int& error) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!frames_.empty()) {
    iovec iov[max_iovecs];
    std::size_t count = 0;
    for (auto it = frames_.begin(); it != frames_.end() && count < max_iovecs; ++it, ++count) {
      const std::size_t skip = count == 0 ? front_done_ : 0;
      iov[count].iov_base = it->data() + skip;
      iov[count].iov_len = it->size() - skip;
    }
    const ssize_t n = ::writev(fd, iov, static_cast<int>(count));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return SinkWrite::would_block;
      error = errno;
      return SinkWrite::failed;
    }
    // Release what was written: whole frames go, the front one remembers its offset.
    std::size_t left = static_cast<std::size_t>(n);
    std::size_t done_frames = 0;
    bytes_ -= left;
    while (left > 0) {
      const std::size_t rest = frames_.front().size() - front_done_;
      if (left < rest) {
        front_done_ += left;
        break;
      }
      left -= rest;
      front_done_ = 0;
      frames_.pop_front();
      ++done_frames;
    }
    status_.add_sink_written(done_frames, static_cast<std::size_t>(n));
    report_queued();
  }
  return SinkWrite::drained;
}

SinkWrite SinkQueue::send_to(int fd, const sockaddr* to, socklen_t to_len, int& error) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!frames_.empty()) {
    const Frame& f = frames_.front();
    if (::sendto(fd, f.data(), f.size(), MSG_NOSIGNAL, to, to_len) < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return SinkWrite::would_block;
      error = errno;
      return SinkWrite::failed;
    }
    status_.add_sink_written(1, f.size());
    bytes_ -= f.size();
    frames_.pop_front();
    report_queued();
  }
  return SinkWrite::drained;
}

void SinkQueue::cut_off() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (front_done_ == 0) return;
  bytes_ -= frames_.front().size() - front_done_;
  front_done_ = 0;
  frames_.pop_front();
  status_.add_sink_drop(SinkDrop::cut_off);
  report_queued();
}

void SinkQueue::drop_all(SinkDrop reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < frames_.size(); ++i) status_.add_sink_drop(reason);
  frames_.clear();
  bytes_ = 0;
  front_done_ = 0;
  report_queued();
}

bool SinkQueue::empty() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_.empty();
}

}  // namespace sluice::relay
