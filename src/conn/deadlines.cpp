#include "conn/deadlines.hpp"

#include <algorithm>

#include "conn/endpoint.hpp"

namespace sluice::detail {
namespace {

// What is left of `limit` counted from `since`; a limit of 0 (or less) is never due.
struct Candidate {
  Deadline best;

  void consider(Deadline::Kind kind, std::uint32_t now, std::uint32_t since,
                std::chrono::milliseconds limit) {
    if (limit.count() <= 0) return;
    const std::int64_t passed = static_cast<std::int32_t>(now - since);
    const std::int64_t left = std::max<std::int64_t>(limit.count() - std::max<std::int64_t>(passed, 0), 0);
    const auto in_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(left, UINT32_MAX));
    // Earlier wins; at the same time, the kind considered first.
    if (best.kind == Deadline::Kind::none || in_ms < best.in_ms) best = {kind, in_ms};
  }
};

}  // namespace

Deadline next_deadline(const Limits& l, const DeadlineInputs& in) {
  using K = Deadline::Kind;
  Candidate c;
  switch (in.state) {
    case ConnState::connecting: c.consider(K::connect, in.now, in.phase_since, l.connect_timeout); break;
    case ConnState::handshaking:
      if (in.kept_alive) {
        c.consider(K::keep_alive, in.now, in.phase_since, l.keep_alive_timeout);
      } else {
        c.consider(K::handshake, in.now, in.phase_since, l.handshake_timeout);
      }
      break;
    case ConnState::open:
      if (in.write_waiting) c.consider(K::write, in.now, in.last_progress, l.write_timeout);
      c.consider(K::idle, in.now, in.last_heard, l.idle_timeout);
      if (!in.ping_outstanding) c.consider(K::ping, in.now, in.last_heard, l.ping_interval);
      break;
    case ConnState::awaiting:  // the route that answers later bounds its own wait
    case ConnState::streaming:
      // A stream's reader says nothing: only the write deadline applies (heartbeats, such as
      // an SSE comment now and then, are the application's).
      if (in.write_waiting) c.consider(K::write, in.now, in.last_progress, l.write_timeout);
      break;
    case ConnState::closing:
    case ConnState::draining:
    case ConnState::half_closed: c.consider(K::close, in.now, in.phase_since, l.close_timeout); break;
    case ConnState::closed: break;
  }
  return c.best;
}

}  // namespace sluice::detail
