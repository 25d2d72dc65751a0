// PrometheusText: appends the Prometheus text exposition format (version 0.0.4) to a caller's
// string: HELP and TYPE lines, samples with escaped label values, and histograms as cumulative
// _bucket{le=...} lines ending in +Inf, then _sum and _count. The registry and the process
// collector both write through it, so the whole /metrics body follows one set of rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sluice::relay {

// The Content-Type of a /metrics answer.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType : std::uint8_t { counter, gauge, histogram };

std::string_view to_string(MetricType type);

struct Label {
  std::string_view name;
  std::string_view value;
};

// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*; label names [a-zA-Z_][a-zA-Z0-9_]* and do not
// begin with "__", which Prometheus reserves.
bool is_metric_name(std::string_view name);
bool is_label_name(std::string_view name);

// Escapes '\\' and newline (HELP text); label values also get '"' escaped. Both replace
// invalid UTF-8 with U+FFFD, since the format is UTF-8 and values may come from a config file.
void append_help_text(std::string& out, std::string_view text);
void append_label_value(std::string& out, std::string_view value);

// Integers are written exactly; doubles in their shortest round-trip form (fixed notation from
// 1e-4 to 1e15, scientific outside), with NaN, +Inf and -Inf spelled as Prometheus parses them.
void append_sample_value(std::string& out, std::uint64_t value);
void append_sample_value(std::string& out, std::int64_t value);
void append_sample_value(std::string& out, double value);

// The writer checks nothing: callers pass valid names (MetricLayout checks them at startup),
// and every sample of a family right after its family() call.
class PrometheusText {
 public:
  explicit PrometheusText(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view help, MetricType type);

  template <class Value>
  void sample(std::string_view name, std::span<const Label> labels, Value value) {
    series(name, {}, labels, nullptr);
    append_sample_value(out_, value);
    out_ += '\n';
  }

  // `counts` are cumulative, one per bound and then the +Inf bucket (so counts.size() ==
  // bounds.size() + 1); the last one is also written as _count.
  void histogram(std::string_view name, std::span<const Label> labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum);

 private:
  // Writes `name``suffix`{labels..., extra} and the space before the value.
  void series(std::string_view name, std::string_view suffix, std::span<const Label> labels,
              const Label* extra);

  std::string& out_;
};

}  // namespace sluice::relay
