// JsonLine: string escaping per RFC 8259 §7; numbers printed with enough digits for the report.
#include "json_line.hpp"

#include <cmath>
#include <cstdio>

namespace sluice::bench {

void JsonLine::key(std::string_view k) {
  if (!body_.empty()) body_ += ',';
  append_string(k);
  body_ += ':';
}

void JsonLine::append_string(std::string_view s) {
  body_ += '"';
  for (char c : s) {
    switch (c) {
      case '"': body_ += "\\\""; break;
      case '\\': body_ += "\\\\"; break;
      case '\n': body_ += "\\n"; break;
      case '\r': body_ += "\\r"; break;
      case '\t': body_ += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          body_ += esc;
        } else {
          body_ += c;
        }
    }
  }
  body_ += '"';
}

JsonLine& JsonLine::add(std::string_view k, std::string_view value) {
  key(k);
  append_string(value);
  return *this;
}

JsonLine& JsonLine::add(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    body_ += "null";
    return *this;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  body_ += buf;
  return *this;
}

JsonLine& JsonLine::add_signed(std::string_view k, std::int64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::add_unsigned(std::string_view k, std::uint64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

}  // namespace sluice::bench
