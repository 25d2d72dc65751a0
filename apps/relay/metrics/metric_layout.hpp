// MetricLayout: the declaration of every metric family, made once at startup, before any
// thread counts anything. Each label takes its values from a list fixed here (an enum's names,
// or a configured list such as the sources), so the number of series is known and bounded
// before the first update: nothing a client sends can add a series.
//
// Declaring a family gives back a handle; Family::at(...) turns label value indices into a
// series, a plain offset into each shard's cells (see MetricRegistry), so an update never
// looks up a name.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "metrics/prometheus_text.hpp"

namespace sluice::relay {

inline constexpr std::size_t max_metric_labels = 3;

// What a label value outside the declared list becomes when looked up by name.
enum class UnlistedValue : std::uint8_t {
  refused,  // find() gives no series
  other,    // the label gets one more value, "other", that collects them
};

struct LabelSpec {
  std::string name;
  std::vector<std::string> values;
  UnlistedValue unlisted = UnlistedValue::refused;
};

// Whether series still at zero are written out. `hidden` suits a family whose label product is
// large but sparse in use (HTTP route x status code); counters only ever leave zero once.
enum class ZeroSeries : std::uint8_t { shown, hidden };

// A family as laid out: its labels (with "other" appended where declared), and where its
// cells start. Series are numbered row-major over the labels, the first label slowest.
struct FamilyLayout {
  std::string name;
  std::string help;
  MetricType type = MetricType::counter;
  std::vector<LabelSpec> labels;
  std::vector<double> buckets;  // histograms: finite upper bounds, increasing; +Inf is implied
  ZeroSeries zero_series = ZeroSeries::shown;
  std::uint32_t first_cell = 0;
  std::uint32_t series_count = 1;
  std::uint32_t series_cells = 1;  // histograms: one per bucket, +Inf included, then the sum
};

// One series of a family. A default-constructed series points at a discard cell that every
// shard has and nobody reads, so an unused handle is harmless.
struct CounterSeries {
  static constexpr MetricType type = MetricType::counter;
  std::uint32_t cell = 0;
};

struct GaugeSeries {
  static constexpr MetricType type = MetricType::gauge;
  std::uint32_t cell = 0;
};

struct HistogramSeries {
  static constexpr MetricType type = MetricType::histogram;
  static constexpr std::uint32_t no_family = UINT32_MAX;
  std::uint32_t cell = 0;
  std::uint32_t family = no_family;  // for the bucket bounds
};

template <class Series>
class Family {
 public:
  Family() = default;  // a family whose every series is the discard cell

  // The series for one value index per label, in declaration order: an enum (its underlying
  // value is the index) or a position in the configured list; the "other" value, where there
  // is one, comes after the listed ones. An index out of range is a bug (asserted); in a
  // release build it falls back to the discard cell.
  template <class... Index>
  Series at(Index... index) const {
    const std::array<std::size_t, sizeof...(Index)> indices{static_cast<std::size_t>(index)...};
    assert(indices.size() == label_count_);
    if (indices.size() != label_count_) return Series{};
    std::size_t series = 0;
    for (std::size_t i = 0; i < indices.size(); ++i) {
      assert(indices[i] < dims_[i]);
      if (indices[i] >= dims_[i]) return Series{};
      series = series * dims_[i] + indices[i];
    }
    Series s;
    s.cell = first_cell_ + static_cast<std::uint32_t>(series) * series_cells_;
    if constexpr (std::is_same_v<Series, HistogramSeries>) s.family = family_;
    return s;
  }

  std::uint32_t index() const { return family_; }
  std::size_t label_count() const { return label_count_; }

 private:
  friend class MetricLayout;

  std::uint32_t family_ = HistogramSeries::no_family;
  std::uint32_t first_cell_ = 0;
  std::uint32_t series_cells_ = 1;
  std::uint32_t label_count_ = 0;
  std::array<std::uint32_t, max_metric_labels> dims_{};
};

using CounterFamily = Family<CounterSeries>;
using GaugeFamily = Family<GaugeSeries>;
using HistogramFamily = Family<HistogramSeries>;

class MetricLayout {
 public:
  // The discard cells come first: enough for a default HistogramSeries (one bucket, one sum).
  static constexpr std::uint32_t discard_cells = 2;

  MetricLayout() = default;
  MetricLayout(const MetricLayout&) = delete;
  MetricLayout& operator=(const MetricLayout&) = delete;
  MetricLayout(MetricLayout&&) = default;
  MetricLayout& operator=(MetricLayout&&) = default;

  // These run at startup and throw std::invalid_argument for a malformed declaration: an
  // invalid or repeated name, a counter not named *_total, a label named "le", more than
  // max_metric_labels labels, a repeated or empty label value, or histogram buckets that are
  // not finite and strictly increasing. A label may have no values: the family then has no
  // series (per-topic families when no pattern is configured) and writes nothing.
  CounterFamily add_counter(std::string name, std::string help, std::vector<LabelSpec> labels = {},
                            ZeroSeries zero_series = ZeroSeries::shown);
  GaugeFamily add_gauge(std::string name, std::string help, std::vector<LabelSpec> labels = {},
                        ZeroSeries zero_series = ZeroSeries::shown);
  HistogramFamily add_histogram(std::string name, std::string help, std::vector<double> buckets,
                                std::vector<LabelSpec> labels = {});

  // The series that label values name, looked up once at setup (per source, per configured
  // topic pattern): a listed value, else "other" where the label has it. Nothing when a value
  // is refused or the count of values is wrong.
  template <class Series>
  std::optional<Series> find(const Family<Series>& family,
                             std::initializer_list<std::string_view> values) const {
    const std::optional<std::uint32_t> series = find_series(family.index(), values);
    if (!series) return std::nullopt;
    Series s;
    s.cell = families_[family.index()].first_cell + *series * families_[family.index()].series_cells;
    if constexpr (std::is_same_v<Series, HistogramSeries>) s.family = family.index();
    return s;
  }

  const std::vector<FamilyLayout>& families() const { return families_; }
  std::size_t cell_count() const { return cell_count_; }
  // Every series of every family: the bound on what a scrape writes (histogram buckets not
  // counted separately).
  std::size_t series_count() const;

 private:
  template <class Series>
  Family<Series> add(FamilyLayout family);
  std::optional<std::uint32_t> find_series(std::uint32_t family,
                                           std::initializer_list<std::string_view> values) const;

  std::vector<FamilyLayout> families_;
  std::uint32_t cell_count_ = discard_cells;
};

}  // namespace sluice::relay
