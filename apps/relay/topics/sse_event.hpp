// Server-Sent Events text for the relay's event streams (GET /topics/NAME with
// Accept: text/event-stream), in the "text/event-stream" format of the HTML standard: an event
// is its fields, one per line, then an empty line. A message's data may hold line breaks; each
// line becomes a `data:` field, and the browser joins them again with LF (a CR or CRLF inside
// the data comes back as LF, which the format cannot carry).
//
// The id of a message's event is its sequence number, or TOPIC:SEQ when the subscription may
// reach several topics, so that Last-Event-ID says where to resume. Raw text goes as it is;
// raw binary goes base64-encoded as an event named "binary"; json sends the envelope. Notices
// (the run's epoch, gaps, resets) are events named after their kind, with the envelope as data,
// which EventSource's onmessage does not see unless it listens for them.
#pragma once

#include <string>
#include <string_view>

#include "relay/subscription_request.hpp"
#include "topics/envelope.hpp"

namespace sluice::relay {

// One event; an empty `event` or `id` is left out.
std::string sse_event(std::string_view event, std::string_view id, std::string_view data);

// A message as the event a subscription in `format` gets.
std::string sse_message(const EnvelopeMessage& message, Format format, bool topic_in_id);

// The notices, as named events ("subscribed", "gap", "reset").
std::string sse_notice(const SubscribedNotice& notice);
std::string sse_notice(const GapNotice& notice);
std::string sse_notice(const ResetNotice& notice);

}  // namespace sluice::relay
