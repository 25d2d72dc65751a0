// Keys in the order the header shows them.
#include "sources/sources_json.hpp"

#include <array>
#include <cstdint>

#include "http/json_writer.hpp"

namespace sluice::relay {

namespace {

// {"reason": count, ...}: one count per value of Enum, named by its to_string.
template <typename Enum, std::size_t N>
void write_counts_by(JsonWriter& w, const std::array<std::uint64_t, N>& counts) {
  w.begin_object();
  for (std::size_t i = 0; i < N; ++i) w.key(to_string(static_cast<Enum>(i))).value(counts[i]);
  w.end_object();
}

void write_sink(JsonWriter& w, const SourceStatusSnapshot& s) {
  w.key("sink");
  if (s.sink_topic.empty()) {
    w.null();
    return;
  }
  w.begin_object();
  w.key("topic").value(s.sink_topic);
  w.key("messages").value(s.sink_messages);
  w.key("bytes").value(s.sink_bytes);
  w.key("queued_bytes").value(s.sink_queued_bytes);
  w.key("dropped");
  write_counts_by<SinkDrop>(w, s.sink_dropped);
  w.end_object();
}

void write_source(JsonWriter& w, const SourceStatusSnapshot& s) {
  w.begin_object();
  w.key("name").value(s.name);
  w.key("type").value(to_string(s.type));
  w.key("topic").value(s.topic);
  w.key("state").value(to_string(s.state));
  w.key("last_error");
  if (s.last_error.empty()) {
    w.null();
  } else {
    w.value(s.last_error);
  }
  w.key("messages").value(s.messages);
  w.key("messages_per_second").value(s.messages_per_second);
  w.key("bytes").value(s.bytes);
  w.key("frames_dropped");
  write_counts_by<DropReason>(w, s.frames_dropped);
  w.key("publish_refused").value(s.publish_refused);
  w.key("kernel_drops").value(s.kernel_drops);
  w.key("errors").value(s.errors);
  w.key("restarts").value(s.restarts);
  w.key("pauses").value(s.pauses);
  w.key("connections").value(s.connections);
  w.key("connections_refused").value(s.connections_refused);
  write_sink(w, s);
  w.end_object();
}

}  // namespace

void append_sources_json(std::string& out, const std::vector<SourceStatusSnapshot>& sources) {
  JsonWriter w(out);
  w.begin_object().key("sources").begin_array();
  for (const SourceStatusSnapshot& s : sources) write_source(w, s);
  w.end_array().end_object();
}

SourceRow source_row(const SourceStatusSnapshot& s) {
  SourceRow row;
  row.name = s.name;
  row.type = s.type;
  row.state = s.state;
  row.messages_per_second = static_cast<double>(s.messages_per_second);
  row.bytes = s.bytes;
  row.errors = s.errors;
  row.restarts = s.restarts;
  row.last_error = s.last_error;
  row.messages = s.messages;
  for (std::size_t i = 0; i < row.frames_dropped.size() && i < s.frames_dropped.size(); ++i)
    row.frames_dropped[i] = s.frames_dropped[i];
  row.kernel_drops = s.kernel_drops;
  return row;
}

}  // namespace sluice::relay
