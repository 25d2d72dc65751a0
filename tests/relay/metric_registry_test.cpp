// MetricLayout and MetricRegistry: the exact text of a small registry, label bounding (refused
// values, "other", hidden zero series), declaration errors, and updates from several threads,
// one shard each, summing exactly.
#include "metrics/metric_registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace sluice::relay {
namespace {

enum class Color : std::uint8_t { red, green };

TEST(MetricRegistry, WritesASmallRegistryExactly) {
  MetricLayout layout;
  const CounterFamily requests =
      layout.add_counter("demo_requests_total", "Requests, by color.", {{"color", {"red", "green"}}});
  const GaugeFamily level = layout.add_gauge("demo_level_bytes", "A level.");
  const HistogramFamily latency = layout.add_histogram("demo_latency_seconds", "Latency.", {0.01, 0.1, 1});
  MetricRegistry registry(std::move(layout), 2);

  registry.shard(0).add(requests.at(Color::green), 3);
  registry.shard(1).add(requests.at(Color::green));
  registry.shard(1).add(requests.at(Color::red));
  registry.shard(0).add(level.at(), 10);
  registry.shard(1).add(level.at(), -4);
  registry.shard(0).observe(latency.at(), 0.01);  // le is inclusive
  registry.shard(1).observe(latency.at(), 0.5);
  registry.shard(1).observe(latency.at(), 20);

  std::string out;
  registry.write_text(out);
  EXPECT_EQ(out,
            "# HELP demo_requests_total Requests, by color.\n"
            "# TYPE demo_requests_total counter\n"
            "demo_requests_total{color=\"red\"} 1\n"
            "demo_requests_total{color=\"green\"} 4\n"
            "# HELP demo_level_bytes A level.\n"
            "# TYPE demo_level_bytes gauge\n"
            "demo_level_bytes 6\n"
            "# HELP demo_latency_seconds Latency.\n"
            "# TYPE demo_latency_seconds histogram\n"
            "demo_latency_seconds_bucket{le=\"0.01\"} 1\n"
            "demo_latency_seconds_bucket{le=\"0.1\"} 1\n"
            "demo_latency_seconds_bucket{le=\"1\"} 2\n"
            "demo_latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "demo_latency_seconds_sum 20.51\n"
            "demo_latency_seconds_count 3\n");
}

TEST(MetricRegistry, SeriesAreRowMajorOverLabels) {
  MetricLayout layout;
  const GaugeFamily g = layout.add_gauge("demo_grid", "Grid.", {{"a", {"x", "y"}}, {"b", {"1", "2", "3"}}});
  MetricRegistry registry(std::move(layout), 1);
  registry.shard(0).set(g.at(1, 2), 5);
  std::string out;
  registry.write_text(out);
  EXPECT_NE(out.find("demo_grid{a=\"x\",b=\"3\"} 0\ndemo_grid{a=\"y\",b=\"1\"} 0\n"), std::string::npos);
  EXPECT_NE(out.find("demo_grid{a=\"y\",b=\"3\"} 5\n"), std::string::npos);
  EXPECT_EQ(registry.layout().series_count(), 6u);
}

TEST(MetricRegistry, RefusesUnlistedValuesOrCountsThemAsOther) {
  MetricLayout layout;
  const CounterFamily strict = layout.add_counter("demo_strict_total", "Strict.", {{"source", {"a", "b"}}});
  const CounterFamily loose =
      layout.add_counter("demo_loose_total", "Loose.", {{"source", {"a", "b"}, UnlistedValue::other}});
  EXPECT_FALSE(layout.find(strict, {"c"}).has_value());
  EXPECT_FALSE(layout.find(strict, {"a", "b"}).has_value());
  ASSERT_TRUE(layout.find(strict, {"b"}).has_value());
  const std::optional<CounterSeries> other = layout.find(loose, {"c"});
  const std::optional<CounterSeries> also_other = layout.find(loose, {"d"});
  ASSERT_TRUE(other && also_other);
  EXPECT_EQ(other->cell, also_other->cell);
  EXPECT_EQ(layout.find(loose, {"other"})->cell, other->cell);
  EXPECT_EQ(layout.find(strict, {"b"})->cell, strict.at(1).cell);

  MetricRegistry registry(std::move(layout), 1);
  registry.shard(0).add(*other, 2);
  std::string out;
  registry.write_text(out);
  EXPECT_NE(out.find("demo_loose_total{source=\"other\"} 2\n"), std::string::npos);
  // Lookups for a thousand unknown names still leave three series in the loose family.
  EXPECT_EQ(registry.layout().series_count(), 5u);
}

TEST(MetricRegistry, HiddenZeroSeriesAndEmptyFamiliesWriteNothing) {
  MetricLayout layout;
  const CounterFamily sparse = layout.add_counter(
      "demo_sparse_total", "Sparse.", {{"route", {"a", "b"}}, {"code", {"200", "404"}}}, ZeroSeries::hidden);
  layout.add_gauge("demo_none", "No topics configured.", {{"topic", {}}});
  MetricRegistry registry(std::move(layout), 1);
  std::string out;
  registry.write_text(out);
  EXPECT_EQ(out, "");
  registry.shard(0).add(sparse.at(1, 1));
  registry.write_text(out);
  EXPECT_EQ(out,
            "# HELP demo_sparse_total Sparse.\n"
            "# TYPE demo_sparse_total counter\n"
            "demo_sparse_total{route=\"b\",code=\"404\"} 1\n");
}

TEST(MetricRegistry, DefaultHandlesAndBadIndicesCountNothing) {
  MetricLayout layout;
  const CounterFamily c = layout.add_counter("demo_total", "Demo.");
  MetricRegistry registry(std::move(layout), 1);
  registry.shard(0).add(CounterSeries{}, 5);
  registry.shard(0).observe(HistogramSeries{}, 1.0);
  registry.shard(0).add(GaugeFamily{}.at(), 1);
  EXPECT_EQ(registry.value(c.at()), 0u);
  std::string out;
  registry.write_text(out);
  EXPECT_EQ(out, "# HELP demo_total Demo.\n# TYPE demo_total counter\ndemo_total 0\n");
}

TEST(MetricRegistry, HistogramIgnoresNaNAndKeepsCountEqualToInf) {
  MetricLayout layout;
  const HistogramFamily h = layout.add_histogram("demo_seconds", "Demo.", {1});
  MetricRegistry registry(std::move(layout), 1);
  registry.shard(0).observe(h.at(), std::numeric_limits<double>::quiet_NaN());
  registry.shard(0).observe(h.at(), -1);
  const HistogramValue v = registry.value(h.at());
  EXPECT_EQ(v.counts, (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(v.count(), 1u);
  EXPECT_EQ(v.sum, -1);
}

TEST(MetricRegistry, SeriesKeptElsewhereAreCopiedInWhole) {
  MetricLayout layout;
  const CounterFamily c = layout.add_counter("copied_total", "Copied.");
  const HistogramFamily h = layout.add_histogram("copied_seconds", "Copied.", {1, 2});
  MetricRegistry registry(std::move(layout), 1);
  registry.shard(0).set(c.at(), 41);
  registry.shard(0).set(c.at(), 42);
  const std::uint64_t per_bucket[] = {3, 0, 2};
  registry.shard(0).set(h.at(), per_bucket, 7.5);
  EXPECT_EQ(registry.value(c.at()), 42u);
  const HistogramValue v = registry.value(h.at());
  EXPECT_EQ(v.counts, (std::vector<std::uint64_t>{3, 3, 5}));
  EXPECT_EQ(v.sum, 7.5);
}

TEST(MetricLayout, RejectsMalformedDeclarations) {
  MetricLayout layout;
  layout.add_counter("demo_total", "Demo.");
  EXPECT_THROW(layout.add_counter("demo_total", "Again."), std::invalid_argument);
  EXPECT_THROW(layout.add_counter("demo_count", "No suffix."), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("bad-name", "Dash."), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g1", "Label.", {{"le", {"x"}}}), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g2", "Label.", {{"__x", {"x"}}}), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g3", "Twice.", {{"a", {"x", "x"}}}), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g4", "Empty.", {{"a", {""}}}), std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g5", "Other.", {{"a", {"other"}, UnlistedValue::other}}),
               std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g6", "Same label.", {{"a", {"x"}}, {"a", {"y"}}}),
               std::invalid_argument);
  EXPECT_THROW(layout.add_gauge("demo_g7", "Many.", {{"a", {"x"}}, {"b", {"x"}}, {"c", {"x"}}, {"d", {"x"}}}),
               std::invalid_argument);
  EXPECT_THROW(layout.add_histogram("demo_h1", "Order.", {1, 0.5}), std::invalid_argument);
  EXPECT_THROW(layout.add_histogram("demo_h2", "Inf.", {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  EXPECT_THROW(layout.add_histogram("demo_h3", "None.", {}), std::invalid_argument);
}

TEST(MetricRegistry, ThreadsUpdatingTheirOwnShardsSumExactly) {
  constexpr int threads = 4;
  constexpr int rounds = 200'000;
  MetricLayout layout;
  const CounterFamily c = layout.add_counter("demo_total", "Demo.", {{"k", {"a", "b"}}});
  const GaugeFamily g = layout.add_gauge("demo_gauge", "Demo.");
  const HistogramFamily h = layout.add_histogram("demo_seconds", "Demo.", {0.5});
  MetricRegistry registry(std::move(layout), threads);

  std::vector<std::thread> workers;
  std::atomic<bool> done{false};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      MetricShard& shard = registry.shard(static_cast<std::size_t>(t));
      for (int i = 0; i < rounds; ++i) {
        shard.add(c.at(i % 2));
        shard.add(g.at(), 1);
        shard.add(g.at(), i % 3 == 0 ? -1 : 0);
        shard.observe(h.at(), (i % 4 == 0) ? 1.0 : 0.25);
      }
    });
  }
  // Scrapes while they run only ever see counters rise.
  std::thread scraper([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const std::uint64_t now = registry.value(c.at(0));
      EXPECT_GE(now, last);
      last = now;
      const HistogramValue v = registry.value(h.at());
      EXPECT_LE(v.counts[0], v.counts[1]);
      std::string out;
      registry.write_text(out);
    }
  });
  for (std::thread& w : workers) w.join();
  done = true;
  scraper.join();

  EXPECT_EQ(registry.value(c.at(0)), std::uint64_t{threads} * rounds / 2);
  EXPECT_EQ(registry.value(c.at(1)), std::uint64_t{threads} * rounds / 2);
  const std::int64_t decrements = (rounds + 2) / 3;
  EXPECT_EQ(registry.value(g.at()), std::int64_t{threads} * (rounds - decrements));
  const HistogramValue v = registry.value(h.at());
  EXPECT_EQ(v.count(), std::uint64_t{threads} * rounds);
  EXPECT_EQ(v.counts[0], std::uint64_t{threads} * rounds * 3 / 4);
  EXPECT_DOUBLE_EQ(v.sum, threads * (rounds / 4 * 1.0 + rounds * 3 / 4 * 0.25));
}

}  // namespace
}  // namespace sluice::relay
