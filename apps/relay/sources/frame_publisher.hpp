// FramePublisher: the middle of a source's path. Bytes read from the device go into the
// source's framing decoder; each whole frame is published to the source's topic through
// Relay::publish, the one entry every producer uses. Frames the decoder drops (malformed,
// oversized, cut short) and frames the relay refuses are counted in the source's status and
// logged once per burst.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "relay/relay.hpp"
#include "sources/burst_log.hpp"
#include "sources/framing/framing.hpp"
#include "sources/source_status.hpp"

namespace sluice::relay {

// The log limits one source shares across its connections.
struct SourceLogs {
  BurstLog drops;
  BurstLog refusals;
};

class FramePublisher final : private FrameSink {
 public:
  FramePublisher(Relay& relay, const SourceConfig& config, SourceStatus& status, SourceLogs& logs);

  // The next bytes of the stream, as read.
  void feed(std::span<const std::uint8_t> bytes);
  // The stream ended: a partial frame is dropped as truncated (a last line without its LF is
  // delivered), and decoding starts afresh for the next connection.
  void finish();

 private:
  void on_frame(std::span<const std::uint8_t> frame) override;
  void on_drop(DropReason reason) override;

  Relay& relay_;
  const std::string& name_;
  const std::string& topic_;
  const Framing framing_;
  SourceStatus& status_;
  SourceLogs& logs_;
  std::unique_ptr<FrameDecoder> decoder_;
};

}  // namespace sluice::relay
