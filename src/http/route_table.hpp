// RouteTable: the server's plain-HTTP handlers, by method and path (PathTable's rules: "/x/*"
// serves every path below /x/, exact before prefix, longer prefix first). A GET handler also
// answers HEAD. A route may also name the stream behaviors its streaming answers use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/path_table.hpp"
#include "sluice/http.hpp"

namespace sluice::detail {

class RouteTable {
 public:
  // `stream`: the index of the route's stream behaviors (0: none).
  void add(std::string_view method, std::string path, HttpHandler handler, std::uint8_t stream = 0);

  struct Match {
    const HttpHandler* handler = nullptr;  // null: no route for this method (or path)
    std::uint8_t stream = 0;               // the handler's stream behaviors
    bool path_known = false;               // the path has routes, for other methods: 405
    std::string allow;                     // those methods, for the Allow header
  };
  Match find(std::string_view method, std::string_view path) const;
  bool empty() const { return paths_.empty(); }

 private:
  struct Method {
    std::string name;
    HttpHandler handler;
    std::uint8_t stream = 0;
  };
  PathTable<std::vector<Method>> paths_;
};

}  // namespace sluice::detail
