// The envelope shapes documented in envelope.hpp, written with JsonWriter. The payload is
// written straight into the output: escaped for text, base64 for binary.
#include "topics/envelope.hpp"

#include "http/base64.hpp"
#include "http/json_writer.hpp"
#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool sent_as_text(const EnvelopeMessage& m) {
  return m.opcode == Opcode::text && is_valid_utf8(as_chars(m.payload));
}

// Enough for the usual case (text needing few escapes), so that one allocation suffices.
std::size_t expected_size(const EnvelopeMessage& m) {
  constexpr std::size_t fixed_text_and_numbers = 64 + 3 * 20;
  const std::size_t payload = m.opcode == Opcode::text ? m.payload.size() + m.payload.size() / 8
                                                       : base64_encoded_size(m.payload.size());
  return fixed_text_and_numbers + m.topic.size() + payload;
}

}  // namespace

std::string_view to_string(GapReason reason) {
  switch (reason) {
    case GapReason::evicted: return "evicted";
    case GapReason::dropped: return "dropped";
  }
  return "unknown";
}

void append_envelope(std::string& out, const EnvelopeMessage& m) {
  JsonWriter w(out);
  w.begin_object().key("topic").value(m.topic).key("seq").value(m.seq);
  w.key("time").value(m.time.time_since_epoch().count());
  if (sent_as_text(m)) {
    w.key("data").value(as_chars(m.payload));
  } else {
    w.key("data_b64").base64_value(m.payload);
  }
  w.end_object();
}

void append_envelope(std::string& out, const GapNotice& gap) {
  JsonWriter w(out);
  w.begin_object().key("topic").value(gap.topic);
  w.key("gap").begin_object().key("from").value(gap.from).key("to").value(gap.to);
  w.key("reason").value(to_string(gap.reason)).end_object();
  w.end_object();
}

void append_envelope(std::string& out, const ResetNotice& reset) {
  JsonWriter w(out);
  w.begin_object().key("topic").value(reset.topic);
  w.key("reset").begin_object().key("since").value(reset.since).key("last").value(reset.last).end_object();
  w.end_object();
}

void append_envelope(std::string& out, const SubscribedNotice& subscribed) {
  JsonWriter w(out);
  w.begin_object().key("subscribed").begin_object().key("epoch").value(subscribed.epoch).end_object();
  w.end_object();
}

std::string envelope(const EnvelopeMessage& message) {
  std::string out;
  out.reserve(expected_size(message));
  append_envelope(out, message);
  return out;
}

std::string envelope(const GapNotice& gap) {
  std::string out;
  append_envelope(out, gap);
  return out;
}

std::string envelope(const ResetNotice& reset) {
  std::string out;
  append_envelope(out, reset);
  return out;
}

std::string envelope(const SubscribedNotice& subscribed) {
  std::string out;
  append_envelope(out, subscribed);
  return out;
}

}  // namespace sluice::relay
