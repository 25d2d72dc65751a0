// FramePublisher: the middle of a source's path. Bytes read from the device go into the
// source's framing decoder; each whole frame is published to the source's topic through
// Relay::publish, the one entry every producer uses. Frames the decoder drops (malformed,
// oversized, cut short) and frames the relay refuses are counted in the source's status and
// logged once per burst.
//
// A stream source (SourceFlow::pauses) also obeys backpressure: once a publish reports its topic
// blocked, the frames that follow from the same read are held (HeldFrames), holding() turns
// true and the reader stops reading; when the topic clears, the held frames are published in
// order and `on_resume` tells the reader to go on. A datagram source (SourceFlow::never_pauses)
// never holds: the engine refuses the send to the subscriber that is full, and counts it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "relay/relay.hpp"
#include "sources/burst_log.hpp"
#include "sources/framing/framing.hpp"
#include "sources/held_frames.hpp"
#include "sources/source_status.hpp"

namespace sluice::relay {

// The log limits one source shares across its connections.
struct SourceLogs {
  BurstLog drops;
  BurstLog refusals;
};

enum class SourceFlow : std::uint8_t { pauses, never_pauses };

class FramePublisher final : private FrameSink {
 public:
  FramePublisher(Relay& relay, const SourceConfig& config, SourceStatus& status, SourceLogs& logs,
                 SourceFlow flow, std::function<void()> on_resume = {});

  // The next bytes of the stream, as read. Afterwards, holding() says whether to stop reading.
  void feed(std::span<const std::uint8_t> bytes);
  // The stream ended: a partial frame is dropped as truncated (a last line without its LF is
  // delivered), and decoding starts afresh for the next connection.
  void finish();
  // Frames wait for a blocked topic: read nothing more until on_resume.
  bool holding() const { return holding_; }

 private:
  void on_frame(std::span<const std::uint8_t> frame) override;
  void on_drop(DropReason reason) override;
  // Publishes one frame; false when the topic is now blocked.
  bool publish(std::span<const std::uint8_t> frame);
  void wait_for_unblock();
  void resume();

  Relay& relay_;
  const std::string& name_;
  const std::string& topic_;
  const Framing framing_;
  SourceStatus& status_;
  SourceLogs& logs_;
  const SourceFlow flow_;
  std::function<void()> on_resume_;
  std::unique_ptr<FrameDecoder> decoder_;
  HeldFrames held_;
  bool holding_ = false;
  bool waiting_ = false;  // an unblock callback is registered
  // The unblock callback may outlive this object (the source stopped meanwhile): it holds a
  // weak reference to this token and does nothing once it has gone.
  std::shared_ptr<FramePublisher*> alive_ = std::make_shared<FramePublisher*>(this);
};

}  // namespace sluice::relay
