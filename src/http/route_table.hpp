// RouteTable: the server's plain-HTTP handlers, by method and path. A path ending in "/*"
// serves every path below it ("/topics/*" serves "/topics/a/b"); an exact path wins over a
// prefix, and a longer prefix over a shorter one. A GET handler also answers HEAD.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/http.hpp"

namespace sluice::detail {

class RouteTable {
 public:
  void add(std::string_view method, std::string path, HttpHandler handler);

  struct Match {
    const HttpHandler* handler = nullptr;  // null: no route for this method (or path)
    bool path_known = false;               // the path has routes, for other methods: 405
    std::string allow;                     // those methods, for the Allow header
  };
  Match find(std::string_view method, std::string_view path) const;
  bool empty() const { return routes_.empty(); }

 private:
  struct Route {
    std::string path;  // without the trailing '*' of a prefix route
    bool prefix = false;
    std::vector<std::pair<std::string, HttpHandler>> methods;
  };
  const Route* route_for(std::string_view path) const;

  std::vector<Route> routes_;  // a handful; searched in order
};

}  // namespace sluice::detail
