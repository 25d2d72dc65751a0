// String escaping copies runs of plain bytes at once and only stops at a byte that needs
// attention: a quote, a backslash, a control character or the start of a multi-byte sequence.
#include "http/json_writer.hpp"

#include <charconv>
#include <cmath>

#include "http/base64.hpp"
#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool is_plain(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  constexpr char hex[] = "0123456789abcdef";
  out += "\\u00";
  out += hex[c >> 4];
  out += hex[c & 0xF];
}

template <class T>
void append_number(std::string& out, T value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t run = pos;
    while (run < text.size() && is_plain(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text, pos, run - pos);
    pos = run;
    if (pos == text.size()) break;
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      append_escape(out, c);
      ++pos;
      continue;
    }
    const Utf8Sequence seq = decode_utf8(text, pos);
    if (seq.valid) {
      out.append(text, pos, seq.length);
    } else {
      out += replacement_character;
    }
    pos += seq.length;
  }
  out += '"';
}

void JsonWriter::before_value() {
  if (after_value_) out_ += ',';
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_ += ':';
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  if (!std::isfinite(d)) return null();
  before_value();
  append_number(out_, d);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::base64_value(std::span<const std::uint8_t> bytes) {
  before_value();
  out_ += '"';
  append_base64(out_, bytes);
  out_ += '"';
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw_value(std::string_view json) {
  before_value();
  out_ += json;
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::signed_value(std::int64_t n) {
  before_value();
  append_number(out_, n);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::unsigned_value(std::uint64_t n) {
  before_value();
  append_number(out_, n);
  after_value_ = true;
  return *this;
}

}  // namespace sluice::relay
