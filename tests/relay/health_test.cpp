// /healthz and /readyz: 200 or 503 with a one-line reason, never cached.
#include "relay/health.hpp"

#include <gtest/gtest.h>

namespace sluice::relay {
namespace {

std::string header(const HttpResponse& r, std::string_view name) {
  for (const HttpHeaderField& h : r.headers)
    if (h.name == name) return h.value;
  return {};
}

TEST(Health, HealthyWhileEveryLoopTurns) {
  ServerStats s;
  s.loop_silence_ms = 1'000;
  const HttpResponse ok = healthz(s);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_EQ(header(ok, "Cache-Control"), "no-store");
  s.loop_silence_ms = 12'345;
  const HttpResponse stuck = healthz(s);
  EXPECT_EQ(stuck.status, 503);
  EXPECT_EQ(stuck.body, "unhealthy: a worker loop has not turned for 12345 ms\n");
}

TEST(Health, ReadyzSaysWhyNot) {
  Readiness r;
  EXPECT_EQ(readyz(r).status, 200);
  EXPECT_EQ(readyz(r).body, "ready\n");
  r.set(ReadinessCheck::resources, "over memory_limit: 41MiB in use of 40MiB");
  const HttpResponse refused = readyz(r);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, "not ready: over memory_limit: 41MiB in use of 40MiB\n");
}

}  // namespace
}  // namespace sluice::relay
