#include "http/route_table.hpp"

namespace sluice::detail {

void RouteTable::add(std::string_view method, std::string path, HttpHandler handler, std::uint8_t stream) {
  std::vector<Method>& methods = paths_.at(std::move(path));
  for (Method& m : methods) {
    if (m.name == method) {
      m.handler = std::move(handler);
      m.stream = stream;
      return;
    }
  }
  methods.push_back({std::string(method), std::move(handler), stream});
}

RouteTable::Match RouteTable::find(std::string_view method, std::string_view path) const {
  Match m;
  const std::vector<Method>* methods = paths_.find(path);
  if (!methods) return m;
  m.path_known = true;
  const Method* get = nullptr;
  for (const Method& x : *methods) {
    if (x.name == method) {
      m.handler = &x.handler;
      m.stream = x.stream;
    }
    if (x.name == "GET") get = &x;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += x.name;
    if (x.name == "GET") m.allow += ", HEAD";
  }
  if (!m.handler && method == "HEAD" && get) {
    m.handler = &get->handler;
    m.stream = get->stream;
  }
  return m;
}

}  // namespace sluice::detail
