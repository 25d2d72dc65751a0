// Declaration checks run once, at startup, so they may throw; what they reject would otherwise
// be an exposition that Prometheus refuses or a family whose series count is not bounded.
#include "metrics/metric_layout.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace sluice::relay {
namespace {

[[noreturn]] void reject(const std::string& family, const std::string& why) {
  throw std::invalid_argument("metric " + family + ": " + why);
}

void check_labels(const std::string& family, std::vector<LabelSpec>& labels) {
  if (labels.size() > max_metric_labels) reject(family, "too many labels");
  std::unordered_set<std::string> names;
  for (LabelSpec& label : labels) {
    if (!is_label_name(label.name)) reject(family, "invalid label name \"" + label.name + "\"");
    if (label.name == "le") reject(family, "label name \"le\" is reserved for histogram buckets");
    if (!names.insert(label.name).second) reject(family, "label \"" + label.name + "\" repeated");
    if (label.unlisted == UnlistedValue::other) label.values.emplace_back("other");
    std::unordered_set<std::string_view> values;
    for (const std::string& value : label.values) {
      if (value.empty()) reject(family, "label \"" + label.name + "\" has an empty value");
      if (!values.insert(value).second) {
        reject(family, "label \"" + label.name + "\" lists \"" + value + "\" twice");
      }
    }
  }
}

FamilyLayout family_layout(std::string name, std::string help, MetricType type, std::vector<LabelSpec> labels,
                           std::vector<double> buckets, ZeroSeries zero_series) {
  FamilyLayout family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  family.labels = std::move(labels);
  family.buckets = std::move(buckets);
  family.zero_series = zero_series;
  return family;
}

}  // namespace

template <class Series>
Family<Series> MetricLayout::add(FamilyLayout family) {
  if (!is_metric_name(family.name)) reject(family.name, "invalid name");
  for (const FamilyLayout& f : families_) {
    if (f.name == family.name) reject(family.name, "declared twice");
  }
  check_labels(family.name, family.labels);

  std::uint64_t series = 1;
  for (const LabelSpec& label : family.labels) series *= label.values.size();
  family.series_count = static_cast<std::uint32_t>(series);
  family.series_cells =
      family.type == MetricType::histogram ? static_cast<std::uint32_t>(family.buckets.size() + 2) : 1;
  const std::uint64_t cells = series * family.series_cells;
  if (cells > UINT32_MAX - cell_count_) reject(family.name, "too many series");
  family.first_cell = cell_count_;
  cell_count_ += static_cast<std::uint32_t>(cells);

  Family<Series> handle;
  handle.family_ = static_cast<std::uint32_t>(families_.size());
  handle.first_cell_ = family.first_cell;
  handle.series_cells_ = family.series_cells;
  handle.label_count_ = static_cast<std::uint32_t>(family.labels.size());
  for (std::size_t i = 0; i < family.labels.size(); ++i) {
    handle.dims_[i] = static_cast<std::uint32_t>(family.labels[i].values.size());
  }
  families_.push_back(std::move(family));
  return handle;
}

CounterFamily MetricLayout::add_counter(std::string name, std::string help, std::vector<LabelSpec> labels,
                                        ZeroSeries zero_series) {
  if (!name.ends_with("_total")) reject(name, "a counter's name ends in _total");
  return add<CounterSeries>(family_layout(std::move(name), std::move(help), MetricType::counter,
                                          std::move(labels), {}, zero_series));
}

GaugeFamily MetricLayout::add_gauge(std::string name, std::string help, std::vector<LabelSpec> labels,
                                    ZeroSeries zero_series) {
  return add<GaugeSeries>(
      family_layout(std::move(name), std::move(help), MetricType::gauge, std::move(labels), {}, zero_series));
}

HistogramFamily MetricLayout::add_histogram(std::string name, std::string help, std::vector<double> buckets,
                                            std::vector<LabelSpec> labels) {
  if (buckets.empty()) reject(name, "a histogram needs buckets");
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i])) reject(name, "bucket bounds are finite (+Inf is implied)");
    if (i > 0 && !(buckets[i - 1] < buckets[i])) reject(name, "bucket bounds strictly increase");
  }
  return add<HistogramSeries>(family_layout(std::move(name), std::move(help), MetricType::histogram,
                                            std::move(labels), std::move(buckets), ZeroSeries::shown));
}

std::optional<std::uint32_t> MetricLayout::find_series(std::uint32_t family,
                                                       std::initializer_list<std::string_view> values) const {
  if (family >= families_.size()) return std::nullopt;
  const FamilyLayout& f = families_[family];
  if (values.size() != f.labels.size()) return std::nullopt;
  std::uint32_t series = 0;
  const std::string_view* value = values.begin();
  for (const LabelSpec& label : f.labels) {
    std::optional<std::uint32_t> found;
    for (std::uint32_t i = 0; i < label.values.size(); ++i) {
      if (label.values[i] == *value) {
        found = i;
        break;
      }
    }
    if (!found && label.unlisted == UnlistedValue::other) {
      found = static_cast<std::uint32_t>(label.values.size() - 1);
    }
    if (!found) return std::nullopt;
    series = series * static_cast<std::uint32_t>(label.values.size()) + *found;
    ++value;
  }
  return series;
}

std::size_t MetricLayout::series_count() const {
  std::size_t n = 0;
  for (const FamilyLayout& f : families_) n += f.series_count;
  return n;
}

}  // namespace sluice::relay
