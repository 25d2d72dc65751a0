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
                               SourceLogs& logs)
    : relay_(relay),
      name_(config.name),
      topic_(config.topic),
      framing_(config.framing),
      status_(status),
      logs_(logs),
      decoder_(make_decoder(config.framing, config.framing_limits())) {}

void FramePublisher::feed(std::span<const std::uint8_t> bytes) {
  status_.add_bytes(bytes.size());
  decoder_->feed(bytes, *this);
}

void FramePublisher::finish() { decoder_->finish(*this); }

void FramePublisher::on_frame(std::span<const std::uint8_t> frame) {
  const std::string_view data = text_of(frame);
  const Opcode opcode = framing_ == Framing::line && is_valid_utf8(data) ? Opcode::text : Opcode::binary;
  const PublishOutcome out = relay_.publish(topic_, data, opcode, Publisher::source);
  if (out.status == PublishOutcome::Status::ok) {
    status_.add_message();
    return;
  }
  status_.add_publish_refused();
  if (auto unlogged = logs_.refusals.on_drop(std::chrono::steady_clock::now())) {
    log_line(LogLevel::warn, "source '{}': a message to '{}' was refused: {} ({} more since the last line)",
             name_, topic_, out.error, *unlogged);
  }
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
