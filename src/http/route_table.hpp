// RouteTable: the server's plain-HTTP GET handlers, by exact path.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "sluice/http.hpp"

namespace sluice::detail {

using RouteTable = std::map<std::string, std::function<HttpResponse(const HttpRequest&)>, std::less<>>;

}  // namespace sluice::detail
