// Session: where a connection is in its life, as one state machine for both ends: connecting
// (client), handshaking, awaiting (a route's answer comes later), open (a WebSocket) or
// streaming (an HTTP response in chunks), closing
// (our close frame is queued), draining (nothing more to say: flush and half-close),
// half_closed (read until the peer's end or the deadline), closed. Besides the state it knows
// whether on_close is owed (the connection opened or began to stream) or given, whether a
// liveness ping is unanswered, and whether the reason it ends was counted. Transitions outside the table
// below are bugs, asserted in debug builds.
#pragma once

#include <cassert>
#include <cstdint>

namespace sluice::detail {

enum class ConnState : std::uint8_t {
  connecting,   // client: the TCP connect is in progress
  handshaking,  // server: reading HTTP requests; client: waiting for the 101 response
  awaiting,     // server: a route answers later (HttpResponse::later()); what arrives is kept
  open,         // upgraded; messages flow both ways
  streaming,    // an HTTP response sent in chunks (HttpStream); what the peer sends is discarded
  closing,      // our close frame is queued; waiting for the peer's
  draining,     // nothing more to say: flush what is queued, then half-close
  half_closed,  // our last byte is out: read until the peer's end or the close deadline
  closed,       // the socket is closed; the object is freed before the loop sleeps
};

class Session {
 public:
  ConnState state() const { return state_; }
  bool is(ConnState s) const { return state_ == s; }
  bool is_open() const { return state_ == ConnState::open; }
  // Open or streaming: the application may send.
  bool sends() const {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(state_) -
                                     static_cast<std::uint8_t>(ConnState::open)) < 2;
  }
  // The conversation is over: what still arrives is read and discarded.
  bool finishing() const { return state_ == ConnState::draining || state_ == ConnState::half_closed; }

  // A client's connection starts one step earlier, with its TCP connect.
  void begin_connecting() {
    assert(state_ == ConnState::handshaking && notice() == Notice::none);
    state_ = ConnState::connecting;
  }
  void to(ConnState next) {
    assert(allowed(state_, next));
    state_ = next;
  }
  void opened() {
    to(ConnState::open);
    set_notice(Notice::owed_websocket);
  }
  void began_streaming() {
    to(ConnState::streaming);
    set_notice(Notice::owed_stream);
  }
  // A deferred answer's wait: the application holds it as a stream, whose on_close is owed.
  void began_awaiting() {
    to(ConnState::awaiting);
    set_notice(Notice::owed_stream);
  }
  // The answer went out on a kept-alive connection, its on_close given: reading requests again.
  void answered() {
    assert(notice() == Notice::given);
    to(ConnState::handshaking);
    set_notice(Notice::none);
  }
  // The connection opened or streamed, so on_close is (or was) owed.
  bool upgraded() const { return notice() != Notice::none; }
  // Whose on_close is owed, once: the caller gives it.
  enum class Owed : std::uint8_t { nothing, websocket, stream };
  Owed take_close_notice() {
    const Owed owed = notice() == Notice::owed_websocket ? Owed::websocket
                      : notice() == Notice::owed_stream  ? Owed::stream
                                                         : Owed::nothing;
    if (owed != Owed::nothing) set_notice(Notice::given);
    return owed;
  }

  // Whether the reason the connection ends is yet to be counted: true once, for the first caller.
  bool take_end_note() {
    if (end_noted_) return false;
    end_noted_ = true;
    return true;
  }

  bool ping_outstanding() const { return ping_outstanding_; }
  void set_ping_outstanding(bool on) { ping_outstanding_ = on; }

  static constexpr bool allowed(ConnState from, ConnState to) {
    using S = ConnState;
    if (to == S::closed) return from != S::closed;
    switch (from) {
      case S::connecting: return to == S::handshaking;
      case S::handshaking:
        return to == S::awaiting || to == S::open || to == S::streaming || to == S::draining;
      case S::awaiting: return to == S::handshaking || to == S::draining;
      case S::open: return to == S::closing || to == S::draining;
      case S::streaming: return to == S::draining;
      case S::closing: return to == S::draining;
      case S::draining: return to == S::half_closed;
      case S::half_closed:
      case S::closed: return false;
    }
    return false;
  }

 private:
  enum class Notice : std::uint8_t { none, owed_websocket, owed_stream, given };
  Notice notice() const { return static_cast<Notice>(notice_bits_); }
  void set_notice(Notice n) { notice_bits_ = static_cast<std::uint8_t>(n) & 0x3F; }

  ConnState state_ = ConnState::handshaking;
  // One byte for the three, so that the session and the connection's behaviors index fit the
  // loop hooks' tail padding (the connection is held to a 192-byte chunk).
  std::uint8_t notice_bits_ : 6 = 0;  // a Notice
  bool ping_outstanding_ : 1 = false;
  bool end_noted_ : 1 = false;
};

}  // namespace sluice::detail
