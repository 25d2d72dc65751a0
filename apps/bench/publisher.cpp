// Publisher: the pacing arithmetic. Messages due = rate x elapsed; a tick sends the difference,
// so a late tick catches up instead of lowering the rate.
#include "publisher.hpp"

#include <chrono>

#include "clock.hpp"

namespace sluice::bench {

namespace {
// Loop::after rounds up to the loop's timer tick (50 ms), so this is a lower bound.
constexpr std::chrono::milliseconds kTick{5};
// At most this many messages per tick, so that one tick cannot starve the loop after a stall.
constexpr std::uint64_t kMaxBatch = 100'000;
}  // namespace

Publisher::Publisher(sluice::Loop& loop, const std::string& url, double rate, std::string payload,
                     std::function<void()> on_open, std::function<void()> on_failed, std::uint64_t limit)
    : loop_(loop), rate_(rate), limit_(limit), payload_(std::move(payload)) {
  sluice::ClientOptions o;
  o.policy = sluice::SlowConsumerPolicy::backpressure;
  o.max_buffered_bytes = 4 * 1024 * 1024;
  sluice::ClientBehaviors b;
  b.on_open = [this, on_open = std::move(on_open)](sluice::ClientWebSocket) {
    opened_ = true;
    on_open();
  };
  b.on_message = [this](sluice::ClientWebSocket, std::string_view data, sluice::Opcode) {
    std::uint64_t t = stamp_of(data);
    if (publishing_ && t >= start_ns_) own_latency_.record(now_ns() - t);
  };
  b.on_drain = [this](sluice::ClientWebSocket) { blocked_ = false; };
  b.on_stopped = [this, on_failed = std::move(on_failed)] {
    publishing_ = false;
    on_failed();
  };
  client_ = std::make_unique<sluice::Client>(loop_, url, std::move(o), std::move(b));
}

Publisher::~Publisher() = default;

void Publisher::start() {
  publishing_ = true;
  start_ns_ = now_ns();
  tick();
}

void Publisher::stop() { publishing_ = false; }

void Publisher::tick() {
  if (!publishing_) return;
  auto elapsed = static_cast<double>(now_ns() - start_ns_) / 1e9;
  auto due = static_cast<std::uint64_t>(rate_ * elapsed);
  if (limit_ != 0 && due > limit_) due = limit_;
  std::uint64_t batch = 0;
  while (position_ < due && !blocked_ && batch < kMaxBatch) {
    stamp(payload_, now_ns());
    sluice::SendStatus st = client_->send(payload_);
    if (st == sluice::SendStatus::would_block || st == sluice::SendStatus::closed) {
      ++refused_;
      blocked_ = st == sluice::SendStatus::would_block;
      if (st == sluice::SendStatus::closed) publishing_ = false;
      break;
    }
    ++position_;
    ++sent_;
    ++batch;
  }
  // Messages that could not go out while blocked are skipped, not sent in a burst later.
  if (blocked_ && due > position_) {
    skipped_ += due - position_;
    position_ = due;
  }
  loop_.after(kTick, [this] { tick(); });
}

}  // namespace sluice::bench
