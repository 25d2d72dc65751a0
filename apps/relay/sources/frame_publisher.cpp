// Line framing publishes text when the line is valid UTF-8 (what most line-oriented programs
// print) and binary otherwise; every other framing carries bytes, published as binary.
#include "sources/frame_publisher.hpp"

#include <chrono>

#include "relay/log_line.hpp"
#include "text/utf8.hpp"

namespace sluice::relay {

namespace {

std::string_view text_of(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

FramePublisher::FramePublisher(Relay& relay, const SourceConfig& config, SourceStatus& status,
                               SourceLogs& logs, SourceFlow flow, std::function<void()> on_resume)
    : relay_(relay),
      name_(config.name),
      topic_(config.topic),
      framing_(config.framing),
      status_(status),
      logs_(logs),
      flow_(flow),
      on_resume_(std::move(on_resume)),
      decoder_(make_decoder(config.framing, config.framing_limits())) {}

void FramePublisher::feed(std::span<const std::uint8_t> bytes) {
  status_.add_bytes(bytes.size());
  decoder_->feed(bytes, *this);
  if (holding_) wait_for_unblock();
}

void FramePublisher::finish() {
  decoder_->finish(*this);
  if (holding_) wait_for_unblock();
}

void FramePublisher::on_frame(std::span<const std::uint8_t> frame) {
  if (holding_) {
    held_.push(frame);
  } else if (!publish(frame) && flow_ == SourceFlow::pauses) {
    holding_ = true;  // the frames after this one, from the same read, wait
    status_.add_pause();
  }
}

bool FramePublisher::publish(std::span<const std::uint8_t> frame) {
  const std::string_view data = text_of(frame);
  const Opcode opcode = framing_ == Framing::line && is_valid_utf8(data) ? Opcode::text : Opcode::binary;
  const PublishOutcome out = relay_.publish(topic_, data, opcode, Publisher::source);
  if (out.status == PublishOutcome::Status::ok) {
    status_.add_message();
    return !out.blocked;
  }
  status_.add_publish_refused();
  if (auto unlogged = logs_.refusals.on_drop(std::chrono::steady_clock::now())) {
    log_line(LogLevel::warn, "source '{}': a message to '{}' was refused: {} ({} more since the last line)",
             name_, topic_, out.error, *unlogged);
  }
  return true;
}

void FramePublisher::wait_for_unblock() {
  if (waiting_) return;
  waiting_ = true;
  relay_.when_topic_unblocked(topic_, [alive = std::weak_ptr<FramePublisher*>(alive_)] {
    if (auto self = alive.lock()) (*self)->resume();
  });
}

void FramePublisher::resume() {
  waiting_ = false;
  while (!held_.empty()) {
    const bool clear = publish(held_.front());
    held_.pop();
    if (!clear) {
      wait_for_unblock();
      return;
    }
  }
  holding_ = false;
  if (on_resume_) on_resume_();
}

void FramePublisher::on_drop(DropReason reason) {
  status_.add_frame_drop(reason);
  if (auto unlogged = logs_.drops.on_drop(std::chrono::steady_clock::now())) {
    log_line(LogLevel::warn,
             "source '{}': dropped a {} frame ({} framing; {} more dropped since the last line)", name_,
             to_string(reason), to_string(framing_), *unlogged);
  }
}

}  // namespace sluice::relay
