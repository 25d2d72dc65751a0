// Health: GET /healthz and GET /readyz, each 200 or 503 with a one-line reason.
//
//   /healthz  the process serves: the loop that answers is turning (a wedged one answers
//             nothing, and the probe times out), and so is every other worker loop (each runs
//             a pass over its connections every second; one silent for 10 s fails this)
//   /readyz   the relay takes new subscribers (operations/readiness.hpp): not while a
//             resource is over its limit, while it is shutting down, or while a configured
//             broker is unreachable
#pragma once

#include <chrono>

#include <sluice/sluice.hpp>

#include "operations/readiness.hpp"

namespace sluice::relay {

inline constexpr std::chrono::milliseconds loop_silence_limit{10'000};

HttpResponse healthz(const ServerStats& stats);
HttpResponse readyz(const Readiness& readiness);

}  // namespace sluice::relay
