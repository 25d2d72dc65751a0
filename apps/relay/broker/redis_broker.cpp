#include "broker/redis_broker.hpp"

#include <openssl/sha.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "broker/redis_scripts.hpp"
#include "broker/shard_map.hpp"
#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

constexpr std::chrono::milliseconds tick_every{50};

// EVALSHA names a script by the SHA-1 of its text, in hex.
std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  ::SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

}  // namespace

RedisBroker::RedisBroker(sluice::Server& server, const BrokerConfig& config)
    : server_(server),
      config_(config),
      keys_(config.prefix),
      shas_{sha1_hex(redis_scripts::publish), sha1_hex(redis_scripts::read), sha1_hex(redis_scripts::epoch)} {
  const std::string node = random_hex64();
  for (std::uint32_t i = 0; i < config_.shards.size(); ++i) {
    RedisShard::Events events;
    events.on_message = [this](std::string_view topic, const BrokerMessage& m) {
      if (listener_) listener_->on_broker_message(topic, m);
    };
    events.on_up = [this, i](std::string_view epoch) {
      log_line(LogLevel::info, "broker: shard {} up (epoch {})", i, epoch);
      settle_waiters();
      if (listener_) listener_->on_shard_up(i, epoch);
    };
    events.on_down = [this, i](const std::string& why) {
      log_line(LogLevel::error, "broker: shard {} down: {}", i, why);
      settle_waiters();
      if (listener_) listener_->on_shard_down(i, why);
    };
    shards_.push_back(
        std::make_unique<RedisShard>(server, i, config_.shards[i], config_, shas_, node, std::move(events)));
  }
}

RedisBroker::~RedisBroker() {
  listener_ = nullptr;
  if (timer_ >= 0) {
    server_.unwatch(timer_);
    ::close(timer_);
  }
  for (auto& f : waiters_) f(false);
  waiters_.clear();
  shards_.clear();
}

void RedisBroker::start(BrokerListener& listener) {
  listener_ = &listener;
  timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
  itimerspec spec{};
  spec.it_interval.tv_nsec = tick_every.count() * 1'000'000;
  spec.it_value = spec.it_interval;
  ::timerfd_settime(timer_, 0, &spec, nullptr);
  server_.watch(timer_, [this] {
    std::uint64_t expirations = 0;
    if (::read(timer_, &expirations, sizeof expirations) == sizeof expirations) tick();
  });
  for (auto& s : shards_) s->start();
}

void RedisBroker::tick() {
  const auto now = RedisShard::Clock::now();
  for (auto& s : shards_) s->tick(now);
  settle_waiters();
}

void RedisBroker::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  // Changes made in this turn of the loop go out together, in one command per kind.
  server_.post([this] {
    flush_posted_ = false;
    for (auto& s : shards_) s->flush_subscriptions();
  });
}

template <class Fn>
void RedisBroker::for_pattern(const TopicPattern& pattern, Fn fn) {
  const auto kind = pattern.is_exact() ? SubscriptionTable::Kind::channel : SubscriptionTable::Kind::pattern;
  const std::string name = keys_.subscription(pattern);
  if (pattern.is_exact()) {
    fn(*shards_[shard_of(pattern.text())], kind, name);
    return;
  }
  for (auto& s : shards_) fn(*s, kind, name);
}

void RedisBroker::watch(const TopicPattern& pattern) {
  for_pattern(pattern, [](RedisShard& s, auto kind, const std::string& name) { s.watch(kind, name); });
  schedule_flush();
}

void RedisBroker::unwatch(const TopicPattern& pattern) {
  for_pattern(pattern, [](RedisShard& s, auto kind, const std::string& name) { s.unwatch(kind, name); });
  schedule_flush();
}

void RedisBroker::when_subscribed(std::function<void(bool)> fn) {
  waiters_.push_back(std::move(fn));
  schedule_flush();
}

void RedisBroker::settle_waiters() {
  if (waiters_.empty()) return;
  bool settled = true, down = false;
  for (auto& s : shards_) {
    if (!s->up()) down = true;
    if (!s->subscriptions_settled()) settled = false;
  }
  if (!down && !settled) return;
  auto waiting = std::move(waiters_);
  waiters_.clear();
  for (auto& f : waiting) f(!down);
}

void RedisBroker::publish(BrokerPublish message, std::function<void(PublishReceipt)> done) {
  RedisShard& shard = *shards_[shard_of(message.topic)];
  shard.publish(message, [this, done = std::move(done)](PublishReceipt r) {
    ++(r.ok ? published_ : publish_failed_);
    done(std::move(r));
  });
}

void RedisBroker::read(std::string topic, std::uint64_t after, std::size_t max,
                       std::chrono::milliseconds max_age, std::function<void(TopicRead)> done) {
  shards_[shard_of(topic)]->read(topic, after, max, max_age, std::move(done));
}

bool RedisBroker::up() const {
  for (const auto& s : shards_)
    if (!s->up()) return false;
  return true;
}

std::uint32_t RedisBroker::shard_of(std::string_view topic) const {
  return relay::shard_of(topic, static_cast<std::uint32_t>(shards_.size()));
}

BrokerFigures RedisBroker::figures() const {
  BrokerFigures f;
  f.shards = static_cast<std::uint32_t>(shards_.size());
  for (const auto& s : shards_) {
    f.shards_up += s->up() ? 1 : 0;
    f.reconnects += s->reconnects();
    f.received += s->received();
    f.probes_failed += s->probes_failed();
  }
  f.published = published_;
  f.publish_failed = publish_failed_;
  return f;
}

}  // namespace sluice::relay
