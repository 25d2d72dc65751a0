// PathTable<T>: values by request path. A path ending in "/*" stands for every path below it
// ("/topics/*" serves "/topics/a/b"); an exact path wins over a prefix, and a longer prefix over
// a shorter one. Meant for the handful of routes a server has: searched in order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

template <typename T>
class PathTable {
 public:
  // The value for `path` as written (made if new).
  T& at(std::string path) {
    const bool prefix = path.size() >= 2 && path.ends_with("/*");
    if (prefix) path.pop_back();
    for (Entry& e : entries_)
      if (e.path == path && e.prefix == prefix) return e.value;
    return entries_.push_back(Entry{std::move(path), prefix, T{}}), entries_.back().value;
  }
  // The value that serves `path`, or null.
  const T* find(std::string_view path) const {
    const Entry* best = nullptr;
    for (const Entry& e : entries_) {
      if (!e.prefix) {
        if (e.path == path) return &e.value;
        continue;
      }
      if (path.starts_with(e.path) && (!best || e.path.size() > best->path.size())) best = &e;
    }
    return best ? &best->value : nullptr;
  }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string path;  // without the trailing '*' of a prefix
    bool prefix = false;
    T value;
  };
  std::vector<Entry> entries_;
};

}  // namespace sluice::detail
