// The format's escaping rules are few but strict: a HELP line escapes backslash and newline, a
// label value also escapes the double quote, and nothing else is escaped (Prometheus'
// exposition_formats.md, "Text format details").
#include "metrics/prometheus_text.hpp"

#include <charconv>
#include <cmath>

#include "text/utf8.hpp"

namespace sluice::relay {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c >= 0x80) {
      const Utf8Sequence seq = decode_utf8(text, pos);
      if (seq.valid) {
        out.append(text, pos, seq.length);
      } else {
        out += replacement_character;
      }
      pos += seq.length;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += static_cast<char>(c);
    }
    ++pos;
  }
}

template <class T>
void append_number(std::string& out, T value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

bool is_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!(is_name_start(c) || is_digit(c) || c == ':')) return false;
  }
  return true;
}

bool is_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!(is_name_start(c) || is_digit(c))) return false;
  }
  return true;
}

void append_help_text(std::string& out, std::string_view text) { append_escaped(out, text, false); }

void append_label_value(std::string& out, std::string_view value) { append_escaped(out, value, true); }

void append_sample_value(std::string& out, std::uint64_t value) { append_number(out, value); }

void append_sample_value(std::string& out, std::int64_t value) { append_number(out, value); }

void append_sample_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == 0 || (std::fabs(value) >= 1e-4 && std::fabs(value) < 1e15)) {
    // Fixed notation in this range, as Go's client writes bucket bounds (le="0.0001", not
    // le="1e-04"): a bound is a label value, and queries match it as text.
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    out.append(buf, result.ptr);
  } else {
    append_number(out, value);
  }
}

void PrometheusText::family(std::string_view name, std::string_view help, MetricType type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help_text(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += to_string(type);
  out_ += '\n';
}

void PrometheusText::series(std::string_view name, std::string_view suffix, std::span<const Label> labels,
                            const Label* extra) {
  out_ += name;
  out_ += suffix;
  if (!labels.empty() || extra != nullptr) {
    out_ += '{';
    bool first = true;
    const auto append_label = [&](const Label& label) {
      if (!first) out_ += ',';
      first = false;
      out_ += label.name;
      out_ += "=\"";
      append_label_value(out_, label.value);
      out_ += '"';
    };
    for (const Label& label : labels) append_label(label);
    if (extra != nullptr) append_label(*extra);
    out_ += '}';
  }
  out_ += ' ';
}

void PrometheusText::histogram(std::string_view name, std::span<const Label> labels,
                               std::span<const double> bounds, std::span<const std::uint64_t> counts,
                               double sum) {
  std::string le;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    le.clear();
    if (i < bounds.size()) {
      append_sample_value(le, bounds[i]);
    } else {
      le = "+Inf";
    }
    const Label bucket{"le", le};
    series(name, "_bucket", labels, &bucket);
    append_sample_value(out_, counts[i]);
    out_ += '\n';
  }
  series(name, "_sum", labels, nullptr);
  append_sample_value(out_, sum);
  out_ += '\n';
  series(name, "_count", labels, nullptr);
  append_sample_value(out_, counts.empty() ? std::uint64_t{0} : counts.back());
  out_ += '\n';
}

}  // namespace sluice::relay
