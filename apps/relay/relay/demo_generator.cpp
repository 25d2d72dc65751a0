#include "relay/demo_generator.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "relay/log_line.hpp"

namespace sluice::relay {

DemoGenerator::~DemoGenerator() {
  if (timer_fd_ >= 0) ::close(timer_fd_);
}

void DemoGenerator::start(sluice::Server& server) {
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) throw std::system_error(errno, std::generic_category(), "demo source: timerfd_create");
  itimerspec every{};
  every.it_interval.tv_nsec = 5'000'000;
  every.it_value.tv_nsec = 5'000'000;
  ::timerfd_settime(timer_fd_, 0, &every, nullptr);
  server_ = &server;
  started_ = std::chrono::steady_clock::now();
  server.watch(timer_fd_, [this] { on_tick(); });
  state_.store(SourceState::running, std::memory_order_relaxed);
  log_line(LogLevel::info, "demo source: {} messages/s of {} bytes to topic '{}'", settings_.rate,
           settings_.size, topic_);
}

void DemoGenerator::stop() {
  if (timer_fd_ < 0 || !server_) return;
  server_->unwatch(timer_fd_);
  ::close(timer_fd_);
  timer_fd_ = -1;
  state_.store(SourceState::stopped, std::memory_order_relaxed);
}

SourceRow DemoGenerator::row() const {
  SourceRow r;
  r.name = name_;
  r.type = SourceType::demo;
  r.state = state_.load(std::memory_order_relaxed);
  r.messages = published_.load(std::memory_order_relaxed);
  r.messages_per_second = static_cast<double>(per_second_.load(std::memory_order_relaxed));
  r.bytes = r.messages * settings_.size;
  return r;
}

std::string DemoGenerator::message(std::uint64_t n) const {
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string m = "{\"counter\":" + std::to_string(n) +
                  ",\"time\":" + std::to_string(now.time_since_epoch().count()) + ",\"pad\":\"";
  const std::size_t tail = 2;  // "}
  if (m.size() + tail < settings_.size) m.append(settings_.size - m.size() - tail, '.');
  m += "\"}";
  return m;
}

void DemoGenerator::on_tick() {
  std::uint64_t expirations = 0;
  if (::read(timer_fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const auto due = static_cast<std::uint64_t>(elapsed * settings_.rate);
  // Behind by more than a second (a stalled loop): skip ahead rather than burst.
  if (due > sent_ + settings_.rate) sent_ = due - settings_.rate;
  const auto second =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  while (sent_ < due) {
    ++sent_;
    relay_.publish(topic_, message(sent_), Opcode::text, Publisher::source);
    rate_meter_.add(second);
    ++published_count_;
  }
  published_.store(published_count_, std::memory_order_relaxed);
  per_second_.store(rate_meter_.per_second(second), std::memory_order_relaxed);
}

}  // namespace sluice::relay
