// A changed source is replaced only once its old self has stopped, so a program that holds a
// device, or a port the new settings reuse, is released before the new one starts.
#include "sources/source_set.hpp"

#include <algorithm>

#include "relay/log_line.hpp"
#include "sources/source_factory.hpp"

namespace sluice::relay {

SourceSet::SourceSet(sluice::Server& server, Relay& relay)
    : poller_(server), context_{poller_, relay}, rate_timer_(poller_, [this] { sample_rates(); }) {
  rate_timer_.arm_every(std::chrono::seconds(1));
}

SourceSet::~SourceSet() {
  for (auto& s : running_) s->stop_blocking();
  for (auto& s : retiring_) s->stop_blocking();
  // Connections and children's handles a source let go of refer to its status and settings:
  // they go first.
  poller_.flush_deferred();
  running_.clear();
  retiring_.clear();
  poller_.flush_deferred();
}

void SourceSet::start(const std::vector<SourceConfig>& configs) {
  for (const SourceConfig& c : configs) running_.push_back(make_source(context_, c));
  publish_statuses();
  for (auto& s : running_) s->start();
}

Source* SourceSet::find(const std::string& name) const {
  for (const auto& s : running_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

void SourceSet::retire(std::unique_ptr<Source> source, std::function<void()> then) {
  Source* s = source.get();
  retiring_.push_back(std::move(source));
  s->stop([this, s, then = std::move(then)] {
    auto it = std::find_if(retiring_.begin(), retiring_.end(), [s](const auto& r) { return r.get() == s; });
    if (it != retiring_.end()) {
      // stop() may call this from inside the source's own callbacks: it is freed afterwards.
      poller_.dispose(std::move(*it));
      retiring_.erase(it);
    }
    then();
  });
}

SourceDiff SourceSet::apply(const std::vector<SourceConfig>& next) {
  std::vector<SourceConfig> current;
  for (const auto& s : running_) current.push_back(s->config());
  SourceDiff diff = diff_sources(current, next);

  std::vector<std::unique_ptr<Source>> old;
  old.swap(running_);
  auto take = [&old](const std::string& name) {
    auto it = std::find_if(old.begin(), old.end(), [&](const auto& s) { return s->name() == name; });
    std::unique_ptr<Source> s = std::move(*it);
    old.erase(it);
    return s;
  };
  for (const std::string& name : diff.removed) {
    log_line(LogLevel::info, "reload: source '{}' removed", name);
    retire(take(name), [] {});
  }
  std::vector<Source*> to_start;
  for (std::size_t i = 0; i < next.size(); ++i) {
    const SourceConfig& c = next[i];
    const bool kept = std::find(diff.kept.begin(), diff.kept.end(), c.name) != diff.kept.end();
    if (kept) {
      running_.push_back(take(c.name));
      continue;
    }
    running_.push_back(make_source(context_, c));
    Source* fresh = running_.back().get();
    const bool replaced = std::find(diff.replaced.begin(), diff.replaced.end(), i) != diff.replaced.end();
    if (!replaced) {
      log_line(LogLevel::info, "reload: source '{}' added", c.name);
      to_start.push_back(fresh);
      continue;
    }
    log_line(LogLevel::info, "reload: source '{}' changed; restarting it with its new settings", c.name);
    retire(take(c.name), [this, fresh] {
      // Started unless a later reload has removed or replaced it meanwhile.
      if (std::any_of(running_.begin(), running_.end(), [fresh](const auto& s) { return s.get() == fresh; }))
        fresh->start();
    });
  }
  publish_statuses();
  for (Source* s : to_start) s->start();
  return diff;
}

void SourceSet::publish_statuses() {
  std::vector<std::shared_ptr<SourceStatus>> list;
  for (const auto& s : running_) list.push_back(s->status());
  std::lock_guard<std::mutex> lock(statuses_mutex_);
  statuses_ = std::move(list);
}

std::vector<SourceStatusSnapshot> SourceSet::statuses() const {
  std::lock_guard<std::mutex> lock(statuses_mutex_);
  std::vector<SourceStatusSnapshot> out;
  out.reserve(statuses_.size());
  for (const auto& s : statuses_) out.push_back(s->snapshot());
  return out;
}

void SourceSet::sample_rates() {
  for (const auto& s : running_) s->status()->sample_rate();
}

}  // namespace sluice::relay
