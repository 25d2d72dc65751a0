// PrometheusText: HELP and TYPE lines, label escaping, value forms and the histogram lines.
#include "metrics/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace sluice::relay {
namespace {

std::string label_value(std::string_view value) {
  std::string out;
  append_label_value(out, value);
  return out;
}

TEST(PrometheusText, WritesHelpTypeAndSamples) {
  std::string out;
  PrometheusText text(out);
  text.family("a_total", "Things.", MetricType::counter);
  const Label labels[] = {{"x", "1"}, {"y", "two"}};
  text.sample("a_total", labels, std::uint64_t{7});
  text.sample("a_total", {}, std::int64_t{-3});
  EXPECT_EQ(out,
            "# HELP a_total Things.\n"
            "# TYPE a_total counter\n"
            "a_total{x=\"1\",y=\"two\"} 7\n"
            "a_total -3\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(label_value("tab\tstays"), "tab\tstays");
  EXPECT_EQ(label_value("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(label_value("bad\xFF"), "bad\xEF\xBF\xBD");
  std::string help;
  append_help_text(help, "say \"x\"\\\n");
  EXPECT_EQ(help, "say \"x\"\\\\\\n");
}

TEST(PrometheusText, WritesSpecialDoubles) {
  std::string out;
  append_sample_value(out, std::numeric_limits<double>::infinity());
  out += ' ';
  append_sample_value(out, -std::numeric_limits<double>::infinity());
  out += ' ';
  append_sample_value(out, std::numeric_limits<double>::quiet_NaN());
  out += ' ';
  append_sample_value(out, 0.25);
  out += ' ';
  append_sample_value(out, 3.0);
  out += ' ';
  append_sample_value(out, 0.0001);
  out += ' ';
  append_sample_value(out, 1e6);
  out += ' ';
  append_sample_value(out, 1e-5);
  out += ' ';
  append_sample_value(out, 1e300);
  out += ' ';
  append_sample_value(out, -0.0);
  EXPECT_EQ(out, "+Inf -Inf NaN 0.25 3 0.0001 1000000 1e-05 1e+300 -0");
}

TEST(PrometheusText, WritesHistogramLines) {
  std::string out;
  PrometheusText text(out);
  const Label labels[] = {{"k", "v"}};
  const double bounds[] = {0.001, 0.5};
  const std::uint64_t counts[] = {1, 3, 4};
  text.histogram("h_seconds", labels, bounds, counts, 2.75);
  EXPECT_EQ(out,
            "h_seconds_bucket{k=\"v\",le=\"0.001\"} 1\n"
            "h_seconds_bucket{k=\"v\",le=\"0.5\"} 3\n"
            "h_seconds_bucket{k=\"v\",le=\"+Inf\"} 4\n"
            "h_seconds_sum{k=\"v\"} 2.75\n"
            "h_seconds_count{k=\"v\"} 4\n");
}

TEST(PrometheusText, ChecksNames) {
  EXPECT_TRUE(is_metric_name("sluice_bytes_sent_total"));
  EXPECT_TRUE(is_metric_name("ns:rule_name"));
  EXPECT_FALSE(is_metric_name("1abc"));
  EXPECT_FALSE(is_metric_name("a-b"));
  EXPECT_FALSE(is_metric_name(""));
  EXPECT_TRUE(is_label_name("route"));
  EXPECT_FALSE(is_label_name("__name__"));
  EXPECT_FALSE(is_label_name("a:b"));
  EXPECT_FALSE(is_label_name("9x"));
}

}  // namespace
}  // namespace sluice::relay
