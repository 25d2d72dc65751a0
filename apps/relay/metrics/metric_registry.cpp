// The scrape side of the registry: sums a cell over the shards and writes each family through
// PrometheusText. A scrape allocates (the output, the label list); an update never does.
#include "metrics/metric_registry.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::relay {

MetricShard::MetricShard(const MetricLayout& layout, std::size_t cells)
    : layout_(&layout),
      // Value-initialised: every cell starts at zero.
      lines_(std::make_unique<Line[]>((cells + cells_per_line - 1) / cells_per_line)) {}

void MetricShard::observe(HistogramSeries s, double value) {
  if (std::isnan(value)) return;
  std::span<const double> bounds;
  if (s.family != HistogramSeries::no_family) bounds = layout_->families()[s.family].buckets;
  const auto bucket =
      static_cast<std::uint32_t>(std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
  bump(s.cell + bucket, 1);
  std::atomic<std::uint64_t>& sum = cell(s.cell + static_cast<std::uint32_t>(bounds.size()) + 1);
  const double total = std::bit_cast<double>(sum.load(std::memory_order_relaxed)) + value;
  sum.store(std::bit_cast<std::uint64_t>(total), std::memory_order_relaxed);
}

void MetricShard::set(HistogramSeries s, std::span<const std::uint64_t> counts, double sum) {
  const std::size_t buckets =
      s.family == HistogramSeries::no_family ? 0 : layout_->families()[s.family].buckets.size();
  for (std::size_t i = 0; i <= buckets; ++i) {
    cell(s.cell + static_cast<std::uint32_t>(i))
        .store(i < counts.size() ? counts[i] : 0, std::memory_order_relaxed);
  }
  cell(s.cell + static_cast<std::uint32_t>(buckets) + 1)
      .store(std::bit_cast<std::uint64_t>(sum), std::memory_order_relaxed);
}

MetricRegistry::MetricRegistry(MetricLayout layout, std::size_t shards) : layout_(std::move(layout)) {
  shards_.reserve(std::max<std::size_t>(shards, 1));
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i) {
    shards_.emplace_back(layout_, layout_.cell_count());
  }
}

std::uint64_t MetricRegistry::sum(std::uint32_t cell) const {
  std::uint64_t total = 0;
  for (const MetricShard& shard : shards_) total += shard.load(cell);
  return total;
}

std::uint64_t MetricRegistry::value(CounterSeries s) const { return sum(s.cell); }

std::int64_t MetricRegistry::value(GaugeSeries s) const { return static_cast<std::int64_t>(sum(s.cell)); }

HistogramValue MetricRegistry::value(HistogramSeries s) const {
  HistogramValue v;
  const std::size_t buckets =
      s.family == HistogramSeries::no_family ? 0 : layout_.families()[s.family].buckets.size();
  v.counts.resize(buckets + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= buckets; ++i) {
    running += sum(s.cell + static_cast<std::uint32_t>(i));
    v.counts[i] = running;
  }
  for (const MetricShard& shard : shards_) {
    v.sum += std::bit_cast<double>(shard.load(s.cell + static_cast<std::uint32_t>(buckets) + 1));
  }
  return v;
}

void MetricRegistry::write_text(std::string& out) const {
  PrometheusText text(out);
  std::vector<Label> labels;
  for (std::uint32_t f = 0; f < layout_.families().size(); ++f) {
    const FamilyLayout& family = layout_.families()[f];
    bool header_written = false;
    labels.resize(family.labels.size());
    for (std::uint32_t series = 0; series < family.series_count; ++series) {
      // The label values of `series`, row-major: the last label varies fastest.
      std::uint32_t rest = series;
      for (std::size_t i = family.labels.size(); i-- > 0;) {
        const auto dim = static_cast<std::uint32_t>(family.labels[i].values.size());
        labels[i] = {family.labels[i].name, family.labels[i].values[rest % dim]};
        rest /= dim;
      }
      const std::uint32_t cell = family.first_cell + series * family.series_cells;
      const auto write_header = [&] {
        if (!header_written) text.family(family.name, family.help, family.type);
        header_written = true;
      };
      switch (family.type) {
        case MetricType::counter: {
          const std::uint64_t v = sum(cell);
          if (v == 0 && family.zero_series == ZeroSeries::hidden) break;
          write_header();
          text.sample(family.name, labels, v);
          break;
        }
        case MetricType::gauge: {
          const auto v = static_cast<std::int64_t>(sum(cell));
          if (v == 0 && family.zero_series == ZeroSeries::hidden) break;
          write_header();
          text.sample(family.name, labels, v);
          break;
        }
        case MetricType::histogram: {
          const HistogramValue v = value(HistogramSeries{cell, f});
          write_header();
          text.histogram(family.name, labels, family.buckets, v.counts, v.sum);
          break;
        }
      }
    }
  }
}

}  // namespace sluice::relay
