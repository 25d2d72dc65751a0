// The deadlines of one connection, as one pure function of the time, its limits and its state:
// what its single timer should wake it for next, and how soon. The connection keeps three
// timestamps (the last byte heard, the last write progress, the start of its current phase)
// and asks this after every change; on a wake-up a deadline due now says what to do.
// Times are loop milliseconds truncated to 32 bits: differences stay right for 49 days.
#pragma once

#include <chrono>
#include <cstdint>

#include "conn/session.hpp"
#include "ws/frame_header.hpp"

namespace sluice::detail {

struct Limits;

struct DeadlineInputs {
  ConnState state = ConnState::handshaking;
  Role role = Role::server;
  bool kept_alive = false;        // handshaking server: it answered a request, waits for the next
  bool write_waiting = false;     // bytes are queued that the socket has not taken
  bool ping_outstanding = false;  // a liveness ping is unanswered
  std::uint32_t now = 0;
  std::uint32_t last_heard = 0;     // the peer's last byte
  std::uint32_t last_progress = 0;  // the socket last took queued bytes (or began to wait)
  std::uint32_t phase_since = 0;    // the current state (or kept-alive wait) began
};

struct Deadline {
  enum class Kind : std::uint8_t {
    none,        // nothing to wait for
    connect,     // client: connect_timeout
    handshake,   // handshake_timeout
    keep_alive,  // server: keep_alive_timeout between requests
    write,       // open: write_timeout without progress
    idle,        // open: idle_timeout of silence
    ping,        // open: ping_interval of silence
    close,       // closing, draining, half-closed: close_timeout
  };
  Kind kind = Kind::none;
  std::uint32_t in_ms = 0;  // from now; 0: due now

  bool due() const { return kind != Kind::none && in_ms == 0; }
};

// The earliest deadline; among several due at once, the one that matters most (write, then
// idle, then ping).
Deadline next_deadline(const Limits& limits, const DeadlineInputs& in);

}  // namespace sluice::detail
