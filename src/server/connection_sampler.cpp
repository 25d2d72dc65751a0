#include "server/connection_sampler.hpp"

#include <algorithm>
#include <array>

#include "conn/connection.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "server/connection_list.hpp"

namespace sluice::detail {

namespace {

bool in_conversation(const Connection& c) {
  return c.state() == ConnState::open || c.state() == ConnState::closing;
}

// The connections with the most bytes queued, most first; among equals, the first considered.
class TopByQueue {
 public:
  void consider(Connection* c) {
    const std::size_t bytes = c->buffered_amount();
    if (size_ == ConnectionSampler::kTop && bytes <= rows_[size_ - 1].bytes) return;
    std::size_t i = size_ < ConnectionSampler::kTop ? size_++ : size_ - 1;
    for (; i > 0 && rows_[i - 1].bytes < bytes; --i) rows_[i] = rows_[i - 1];
    rows_[i] = {c, bytes};
  }
  std::size_t size() const { return size_; }
  Connection* at(std::size_t i) const { return rows_[i].connection; }

 private:
  struct Row {
    Connection* connection = nullptr;
    std::size_t bytes = 0;
  };
  std::array<Row, ConnectionSampler::kTop> rows_{};
  std::size_t size_ = 0;
};

}  // namespace

ConnectionSampler::ConnectionSampler(EventLoop& loop, const ConnectionList& pending,
                                     const ConnectionList& open)
    : loop_(loop),
      pending_(pending),
      open_(open),
      last_pass_(std::chrono::steady_clock::now().time_since_epoch().count()) {
  loop_.schedule(this, kPeriod);
}

ConnectionSampler::~ConnectionSampler() { loop_.forget(this); }

std::chrono::steady_clock::duration ConnectionSampler::since_last_pass() const {
  const std::chrono::steady_clock::duration last(last_pass_.load(std::memory_order_relaxed));
  return std::chrono::steady_clock::now().time_since_epoch() - last;
}

std::vector<ConnectionInfo> ConnectionSampler::top() const {
  std::lock_guard<std::mutex> lock(top_mutex_);
  return top_;
}

void ConnectionSampler::on_timer() {
  sample();
  last_pass_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  loop_.schedule(this, kPeriod);
}

void ConnectionSampler::sample() {
  const std::size_t stride = std::max<std::size_t>(1, (open_.size() + kMaxProbes - 1) / kMaxProbes);
  const std::size_t probe_at = pass_++ % stride;
  std::uint64_t closing = 0;
  std::uint64_t kernel = 0;
  std::size_t index = 0;
  TopByQueue top;
  // Oldest first, so that among connections with as much queued the older ones are shown.
  for (Connection* c = open_.oldest(); c; c = c->prev_in_worker, ++index) {
    if (!in_conversation(*c)) {
      if (c->state() != ConnState::closed) ++closing;
      continue;
    }
    if (c->state() == ConnState::closing) ++closing;
    if (index % stride == probe_at) kernel += detail::kernel_unsent_bytes(c->fd());
    top.consider(c);
  }
  std::vector<ConnectionInfo> rows;
  rows.reserve(top.size());
  for (std::size_t i = 0; i < top.size(); ++i) {
    Connection* c = top.at(i);
    const ConnectionStats s = c->stats();
    ConnectionInfo info;
    info.peer = describe_peer(c->fd());
    info.buffered_bytes = s.buffered_bytes;
    info.kernel_unsent_bytes = s.kernel_unsent_bytes;
    info.messages_sent = s.messages_sent;
    info.messages_dropped = s.messages_dropped;
    info.description = c->description();
    rows.push_back(std::move(info));
  }
  handshaking_.store(pending_.size(), std::memory_order_relaxed);
  closing_.store(closing, std::memory_order_relaxed);
  kernel_unsent_.store(kernel * stride, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(top_mutex_);
  top_ = std::move(rows);
}

}  // namespace sluice::detail
