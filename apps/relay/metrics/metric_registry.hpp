// MetricRegistry: the cells behind a MetricLayout, one shard per writing thread, and the
// scrape that sums them. A scrape walks families x series x shards, never connections, so its
// cost is fixed by the layout; an update is a relaxed load and store in the thread's own shard.
//
// Each worker loop owns one MetricShard (one writer per shard: no lock, no read-modify-write
// instruction), and shards sit on their own cache lines, so workers never contend for one.
//
// Consistency: each cell is read whole, counters never go down between scrapes, and a
// histogram's _count is the sum of the bucket cells it read, so +Inf and _count always agree.
// Cells of different series are not read at one instant (a gauge pair moved together, such as
// a connection going from handshaking to open, may be seen half-moved).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "metrics/metric_layout.hpp"

namespace sluice::relay {

class MetricShard {
 public:
  MetricShard(const MetricLayout& layout, std::size_t cells);

  // Only the shard's own thread calls these.
  void add(CounterSeries s, std::uint64_t n = 1) { bump(s.cell, n); }
  void add(GaugeSeries s, std::int64_t delta) { bump(s.cell, static_cast<std::uint64_t>(delta)); }
  void set(GaugeSeries s, std::int64_t value) {
    cell(s.cell).store(static_cast<std::uint64_t>(value), std::memory_order_relaxed);
  }
  // A counter kept elsewhere (the engine's, say) and copied in at each scrape: never lower
  // than the last copy, so it still only goes up.
  void set(CounterSeries s, std::uint64_t value) { cell(s.cell).store(value, std::memory_order_relaxed); }
  // A histogram kept elsewhere: `counts` per bucket (not cumulative), one per bound then +Inf.
  void set(HistogramSeries s, std::span<const std::uint64_t> counts, double sum);
  // Counts `value` in the first bucket whose bound is >= value (+Inf past the last); NaN is
  // not counted.
  void observe(HistogramSeries s, double value);

  // Any thread: this shard's own part of a series.
  std::uint64_t load(std::uint32_t index) const { return cell(index).load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t cells_per_line = 8;
  struct alignas(64) Line {
    std::array<std::atomic<std::uint64_t>, cells_per_line> cells;
  };

  std::atomic<std::uint64_t>& cell(std::uint32_t index) {
    return lines_[index / cells_per_line].cells[index % cells_per_line];
  }
  const std::atomic<std::uint64_t>& cell(std::uint32_t index) const {
    return lines_[index / cells_per_line].cells[index % cells_per_line];
  }
  void bump(std::uint32_t index, std::uint64_t n) {
    std::atomic<std::uint64_t>& c = cell(index);
    // Wrapping on purpose: a gauge's negative delta is added in two's complement.
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  const MetricLayout* layout_;
  std::unique_ptr<Line[]> lines_;
};

// A histogram as a scrape reads it: cumulative counts, one per bound then +Inf.
struct HistogramValue {
  std::vector<std::uint64_t> counts;
  double sum = 0;

  std::uint64_t count() const { return counts.empty() ? 0 : counts.back(); }
};

class MetricRegistry {
 public:
  // One shard per thread that updates metrics: each worker loop, plus one for the main thread.
  MetricRegistry(MetricLayout layout, std::size_t shards);

  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  const MetricLayout& layout() const { return layout_; }
  std::size_t shard_count() const { return shards_.size(); }
  MetricShard& shard(std::size_t index) { return shards_[index]; }

  // Sums over the shards; any thread.
  std::uint64_t value(CounterSeries s) const;
  std::int64_t value(GaugeSeries s) const;
  HistogramValue value(HistogramSeries s) const;

  // Appends every family, in declaration order, series in row-major label order. A family
  // with no series to show (every series hidden at zero, or a label with no values) writes
  // nothing, not even its HELP line.
  void write_text(std::string& out) const;

 private:
  std::uint64_t sum(std::uint32_t cell) const;

  MetricLayout layout_;
  std::vector<MetricShard> shards_;
};

}  // namespace sluice::relay
