// Envelopes: the JSON text frames a subscriber receives, one per message or notice. A client
// that subscribes with a pattern, or resumes, reads the topic and sequence from each one.
//
//   message, text:   {"topic":"sensors/radio","seq":42,"time":1733339000123,"data":"21.5"}
//   message, binary: {"topic":"sensors/radio","seq":43,"time":1733339000125,"data_b64":"AAEC"}
//   gap:             {"topic":"sensors/radio","gap":{"from":5,"to":17,"reason":"evicted"}}
//   reset:           {"topic":"sensors/radio","reset":{"since":900,"last":42}}
//   subscribed:      {"subscribed":{"epoch":"5f0c2a9e7d41b836"}}
//
// "seq" counts the topic's messages from 1; "time" is the publish time in ms since the Unix
// epoch. A text message whose payload is not valid UTF-8 is sent as "data_b64" rather than
// altered: "data" always holds the exact payload.
// "subscribed" comes first on every connection with envelopes: "epoch" names this run of the
// relay, since sequences begin again at 1 when it restarts. A client that resumes passes it
// back with its positions.
// A gap says that messages from..to (inclusive) exist but will not be delivered; the next
// message has a sequence above `to`. A reset says the client asked to resume after `since`,
// but that position belongs to another run of the relay (another epoch, or `since` beyond the
// topic's last sequence `last`): it is meaningless here. What follows the reset is this run's
// history of the topic from its first message, as far as the history still holds it (a gap
// notice says what it does not), then the live stream.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sluice/opcode.hpp"
#include "topics/publish_time.hpp"

namespace sluice::relay {

struct EnvelopeMessage {
  std::string_view topic;
  std::uint64_t seq = 0;
  PublishTime time;
  Opcode opcode = Opcode::text;  // text or binary
  std::span<const std::uint8_t> payload;
};

enum class GapReason : std::uint8_t {
  evicted,  // the topic's history no longer holds them (bounded by count, bytes or age)
  dropped,  // the subscriber's send queue refused them (its cap and slow-consumer policy)
};

std::string_view to_string(GapReason reason);

struct GapNotice {
  std::string_view topic;
  std::uint64_t from = 0;  // first sequence not delivered
  std::uint64_t to = 0;    // last sequence not delivered
  GapReason reason = GapReason::evicted;
};

struct ResetNotice {
  std::string_view topic;
  std::uint64_t since = 0;  // what the client asked to resume after
  std::uint64_t last = 0;   // the topic's last sequence
};

struct SubscribedNotice {
  std::string_view epoch;
};

// Each appends one envelope to `out` (no newline), so a caller can reuse one buffer.
void append_envelope(std::string& out, const EnvelopeMessage& message);
void append_envelope(std::string& out, const GapNotice& gap);
void append_envelope(std::string& out, const ResetNotice& reset);
void append_envelope(std::string& out, const SubscribedNotice& subscribed);

std::string envelope(const EnvelopeMessage& message);
std::string envelope(const GapNotice& gap);
std::string envelope(const ResetNotice& reset);
std::string envelope(const SubscribedNotice& subscribed);

}  // namespace sluice::relay
