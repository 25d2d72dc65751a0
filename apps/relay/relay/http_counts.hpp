// HttpCounts: HTTP requests the relay answered, by route and status code, for
// sluice_http_requests_total. Relaxed atomics: requests are not the per-message path, and any
// loop thread answers them.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include <sluice/http.hpp>

#include "metrics/relay_labels.hpp"

namespace sluice::relay {

class HttpCounts {
 public:
  void count(HttpRoute route, int status) {
    cells_[index(route, http_code_index(status))].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t value(HttpRoute route, std::size_t code_index) const {
    return cells_[index(route, code_index)].load(std::memory_order_relaxed);
  }
  // `handler`, counting each answer under `route`.
  HttpHandler counted(HttpRoute route, HttpHandler handler) {
    return [this, route, handler = std::move(handler)](const HttpRequest& req) {
      HttpResponse r = handler(req);
      count(route, r.status);
      return r;
    };
  }

 private:
  static std::size_t index(HttpRoute route, std::size_t code) {
    return static_cast<std::size_t>(route) * http_code_count + code;
  }
  std::array<std::atomic<std::uint64_t>, http_route_count * http_code_count> cells_{};
};

}  // namespace sluice::relay
