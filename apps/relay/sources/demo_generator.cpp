// A 5 ms tick publishes what is due by then.
#include "sources/demo_generator.hpp"

#include "relay/log_line.hpp"

namespace sluice::relay {

namespace {

constexpr std::chrono::milliseconds tick{5};

}  // namespace

DemoGenerator::DemoGenerator(SourceContext& context, SourceConfig config)
    : Source(context, std::move(config)), timer_(context.poller, [this] { on_tick(); }) {}

const relay::DemoSource& DemoGenerator::settings() const {
  return std::get<relay::DemoSource>(config_.settings);
}

void DemoGenerator::start() {
  started_ = std::chrono::steady_clock::now();
  sent_ = 0;
  timer_.arm_every(tick);
  set_state(SourceState::running);
  log_line(LogLevel::info, "demo source: {} messages/s of {} bytes to topic '{}'", settings().rate,
           settings().size, config_.topic);
}

void DemoGenerator::close() { timer_.cancel(); }

std::string DemoGenerator::message(std::uint64_t n) const {
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string m = "{\"counter\":" + std::to_string(n) +
                  ",\"time\":" + std::to_string(now.time_since_epoch().count()) + ",\"pad\":\"";
  const std::size_t tail = 2;  // "}
  if (m.size() + tail < settings().size) m.append(settings().size - m.size() - tail, '.');
  m += "\"}";
  return m;
}

void DemoGenerator::on_tick() {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const auto rate = settings().rate;
  const auto due = static_cast<std::uint64_t>(elapsed * rate);
  // Behind by more than a second (a stalled loop): skip ahead rather than burst.
  if (due > sent_ + rate) sent_ = due - rate;
  while (sent_ < due) {
    ++sent_;
    const std::string m = message(sent_);
    const PublishOutcome out = context_.relay.publish(config_.topic, m, Opcode::text, Publisher::source);
    if (out.status == PublishOutcome::Status::ok) {
      status_->add_message();
      status_->add_bytes(m.size());
    } else {
      status_->add_publish_refused();
    }
  }
}

}  // namespace sluice::relay
