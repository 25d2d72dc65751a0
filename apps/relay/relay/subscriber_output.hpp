// SubscriberOutput: where a new subscriber's catch-up goes (Relay::replay), whatever carries it:
// a WebSocket gets each message as it was published (or its JSON envelope) and notices as
// envelopes; an event stream gets them as Server-Sent Events (topics/sse_event.hpp). The live
// messages that follow take the same shapes in Relay::publish.
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include <sluice/sluice.hpp>

#include "history/history_ring.hpp"
#include "relay/subscription_request.hpp"
#include "topics/envelope.hpp"
#include "topics/sse_event.hpp"

namespace sluice::relay {

// Whatever carries one subscription: a WebSocket or an event stream.
using SubscriberHandle = std::variant<WebSocket, HttpStream>;

// What a new subscriber's catch-up may queue: its cap, less room for every notice it may still
// have to send. A replay stops before a message would go past that, so the cap bounds a replay
// like any other send and the client is always told what it did not get. A queue with nothing
// in it takes one message of any size.
struct CatchUpRoom {
  std::size_t cap;
  std::size_t notices_reserved;

  bool fits(std::size_t queued, std::size_t bytes) const {
    return queued == 0 || queued + queued_message_cost(bytes) + notices_reserved <= cap;
  }
};

class SubscriberOutput {
 public:
  SubscriberOutput(WebSocket ws, const SubscriptionRequest& r) : to_(ws), format_(r.format) {}
  SubscriberOutput(HttpStream s, const SubscriptionRequest& r)
      : to_(s), format_(r.format), topic_in_id_(r.single_topic().empty()) {}
  SubscriberOutput(SubscriberHandle h, const SubscriptionRequest& r)
      : to_(h),
        format_(r.format),
        topic_in_id_(std::holds_alternative<HttpStream>(h) && r.single_topic().empty()) {}

  Format format() const { return format_; }
  // What its send queue holds now, as the cap counts it.
  std::size_t queued() const;
  // One stored message, if `room` has space for it; false when it was not sent.
  bool message(std::string_view topic, const HistoryEntry& e, const CatchUpRoom& room);
  void notice(const SubscribedNotice& n) {
    text(envelope(n), [&] { return sse_notice(n); });
  }
  void notice(const GapNotice& n) {
    text(envelope(n), [&] { return sse_notice(n); });
  }
  void notice(const ResetNotice& n) {
    text(envelope(n), [&] { return sse_notice(n); });
  }

 private:
  template <typename SseText>
  void text(const std::string& envelope_json, SseText sse) {
    if (auto* ws = std::get_if<WebSocket>(&to_)) {
      ws->send_text(envelope_json);
    } else {
      std::get<HttpStream>(to_).send(sse());
    }
  }

  SubscriberHandle to_;
  Format format_;
  bool topic_in_id_ = false;
};

}  // namespace sluice::relay
