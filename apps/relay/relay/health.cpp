#include "relay/health.hpp"

#include <string>

namespace sluice::relay {
namespace {

HttpResponse plain(int status, std::string line) {
  HttpResponse r{status, "text/plain; charset=utf-8", std::move(line) + "\n"};
  r.header("Cache-Control", "no-store");
  return r;
}

}  // namespace

HttpResponse healthz(const ServerStats& stats) {
  if (stats.loop_silence_ms >= static_cast<std::uint64_t>(loop_silence_limit.count()))
    return plain(
        503, "unhealthy: a worker loop has not turned for " + std::to_string(stats.loop_silence_ms) + " ms");
  return plain(200, "ok");
}

HttpResponse readyz(const Readiness& readiness) {
  if (auto why = readiness.not_ready()) return plain(503, "not ready: " + *why);
  return plain(200, "ready");
}

}  // namespace sluice::relay
