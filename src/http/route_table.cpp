#include "http/route_table.hpp"

#include <algorithm>

namespace sluice::detail {

void RouteTable::add(std::string_view method, std::string path, HttpHandler handler) {
  bool prefix = path.size() >= 2 && path.ends_with("/*");
  if (prefix) path.pop_back();
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const Route& r) { return r.path == path && r.prefix == prefix; });
  if (it == routes_.end()) it = routes_.insert(routes_.end(), Route{std::move(path), prefix, {}});
  for (auto& m : it->methods) {
    if (m.first == method) {
      m.second = std::move(handler);
      return;
    }
  }
  it->methods.emplace_back(std::string(method), std::move(handler));
}

const RouteTable::Route* RouteTable::route_for(std::string_view path) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!r.prefix) {
      if (r.path == path) return &r;
      continue;
    }
    if (path.starts_with(r.path) && (!best || r.path.size() > best->path.size())) best = &r;
  }
  return best;
}

RouteTable::Match RouteTable::find(std::string_view method, std::string_view path) const {
  Match m;
  const Route* r = route_for(path);
  if (!r) return m;
  m.path_known = true;
  const HttpHandler* get = nullptr;
  for (const auto& [name, handler] : r->methods) {
    if (name == method) m.handler = &handler;
    if (name == "GET") get = &handler;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += name;
    if (name == "GET") m.allow += ", HEAD";
  }
  if (!m.handler && method == "HEAD") m.handler = get;
  return m;
}

}  // namespace sluice::detail
