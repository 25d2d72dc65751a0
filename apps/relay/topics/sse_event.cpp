#include "topics/sse_event.hpp"

#include "http/base64.hpp"

namespace sluice::relay {

namespace {

void append_data_lines(std::string& out, std::string_view data) {
  std::size_t start = 0;
  while (true) {
    const std::size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) return;
    start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
}

}  // namespace

std::string sse_event(std::string_view event, std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + event.size() + id.size() + 24);
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  append_data_lines(out, data);
  out += '\n';
  return out;
}

std::string sse_message(const EnvelopeMessage& m, Format format, bool topic_in_id) {
  std::string id = topic_in_id ? std::string(m.topic) + ":" : std::string();
  id += std::to_string(m.seq);
  if (format == Format::json) return sse_event({}, id, envelope(m));
  if (m.opcode == Opcode::text)
    return sse_event({}, id, {reinterpret_cast<const char*>(m.payload.data()), m.payload.size()});
  return sse_event("binary", id, base64_encode(m.payload));
}

std::string sse_notice(const SubscribedNotice& notice) {
  return sse_event("subscribed", {}, envelope(notice));
}
std::string sse_notice(const GapNotice& notice) { return sse_event("gap", {}, envelope(notice)); }
std::string sse_notice(const ResetNotice& notice) { return sse_event("reset", {}, envelope(notice)); }

}  // namespace sluice::relay
