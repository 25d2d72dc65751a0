#include "conn/connection.hpp"

#include <cassert>
#include <cstring>
#include <string>
#include <utility>

#include "conn/endpoint.hpp"
#include "conn/server_handshake.hpp"
#include "http/client_handshake.hpp"
#include "log.hpp"
#include "mem/footprint.hpp"
#include "net/socket.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

// An idle upgraded connection is this object and nothing else (DESIGN invariant 1); with the
// allocator's 8-byte header it fits a 192-byte chunk, which the memory tests hold to.
static_assert(sizeof(Connection) <= 184);

static RequestLimits request_limits(const Limits& l) {
  return {l.max_header_bytes, l.max_headers, l.max_body_bytes};
}

Connection::Connection(Endpoint& endpoint, Fd fd) : Connection(endpoint, Transport(std::move(fd))) {}

Connection::Connection(Endpoint& endpoint, Transport transport)
    : ep_(endpoint),
      parser_(endpoint.role()),
      assembler_(endpoint.assembly_limits()),
      transport_(std::move(transport)) {
  if (endpoint.role() == Role::server)
    phase_.emplace<ServerHandshake>(request_limits(endpoint.limits()), endpoint);
}

Connection::~Connection() {
  ep_.on_closed(*this);
  ep_.loop().cancel_timer(this);
  outbox_.release_all(ep_);
  free_held_input();
}

void Connection::drop_handshake() {
  if (phase_.holds<ServerHandshake>() || phase_.holds<ClientHandshake>()) phase_.reset();
}

Connection::Extras& Connection::make_extras() {
  assert(!phase_.holds<ServerHandshake>() && !phase_.holds<ClientHandshake>());
  return phase_.emplace<Extras>();
}

std::string Connection::remote_address() const {
  return transport_.is_open() ? peer_address(transport_.fd()) : std::string();
}

void Connection::start() {
  phase_.get<ServerHandshake>()->set_remote_address(peer_address(transport_.fd()));
  last_heard_ = phase_since_ = now32();
  if (int err = ep_.loop().watch(transport_.fd(), this, true, false)) {
    // This one socket cannot be served (the epoll set refused it): it is closed, nobody else.
    log(LogLevel::warn, "{}: cannot watch the connection: {}; closing it", describe_peer(transport_.fd()),
        std::strerror(err));
    abort(nullptr);
    return;
  }
  schedule_timer();
}

void Connection::on_io(std::uint32_t events) {
  switch (session_.state()) {
    case ConnState::closed: return;
    case ConnState::connecting:
      if (events & (io_event::writable | io_event::readable)) on_connected();
      return;
    default: break;
  }
  if ((events & io_event::writable) && (outbox_.is(Outbox::write_armed) || transport_.holds_output()))
    flush();
  if (!session_.is(ConnState::closed) && (events & io_event::readable)) on_readable();
}

// ---- Read side ----------------------------------------------------------------------------

void Connection::on_readable() {
  // The replies to what is read now go out in one write when the read is handled, rather than
  // from the loop's before-sleep pass: every reply of this read in one write, without the turn
  // through the loop's list. Already queued there (another connection sent to this one in
  // this batch), it stays queued and the pass writes.
  const bool held = EventLoop::hold_deferrals(this);
  read_input();
  if (held && EventLoop::release_deferrals(this)) {
    if (session_.sends()) {
      flush();
    } else {
      ep_.loop().defer(this);  // a close, an answer to come: the before-sleep pass
    }
  }
}

[[gnu::always_inline]] inline void Connection::read_input() {
  if (outbox_.is(Outbox::input_held)) {  // older bytes first
    resume_held_input();
    if (outbox_.is(Outbox::input_held) || session_.is(ConnState::closed)) return;
  }
  EventLoop& loop = ep_.loop();
  IoResult r = transport_.read({loop.scratch(), EventLoop::kScratchSize});
  switch (r.kind) {
    case IoResult::Kind::would_block:
      if (transport_.secure()) after_secure_read();
      return;
    case IoResult::Kind::closed:
    case IoResult::Kind::error: on_read_failed(r); return;
    case IoResult::Kind::done: break;
  }
  ep_.counters().bytes_received.add(r.bytes);
  last_heard_ = now32();
  session_.set_ping_outstanding(false);
  std::span<std::uint8_t> in(loop.scratch(), r.bytes);
  switch (session_.state()) {
    case ConnState::open:
    case ConnState::closing: parse_frames(in); break;
    case ConnState::handshaking:
      if (ep_.role() == Role::server) {
        on_handshake_bytes(in);
      } else {
        on_handshake_response(in);
      }
      break;
    case ConnState::awaiting: keep_unread(in); break;  // the next requests
    default: break;  // streaming, draining, half-closed: what arrives is discarded
  }
}

void Connection::on_read_failed(const IoResult& r) {
  const std::string_view why = transport_.failure();
  if (!why.empty()) {
    // A client that fails its TLS handshake tells the application; a server logs it.
    if (ep_.role() == Role::client && !session_.upgraded()) return fail_open(why);
    log(LogLevel::warn, "{}: {}; closing", describe_peer(transport_.fd()), why);
    note_close(CloseReason::socket_error);
    return abort(nullptr);
  }
  if (r.kind == IoResult::Kind::closed)
    note_close(session_.is_open() ? CloseReason::socket_error : CloseReason::normal);
  // A peer ending a stream it reads, or a conversation that is over, is the usual end.
  if (r.kind == IoResult::Kind::closed)
    return abort(session_.finishing() || session_.is(ConnState::streaming) ? nullptr
                                                                           : "peer closed the connection");
  abort("read failed");
}

void Connection::after_secure_read() {
  // The handshake may have finished (a client's request can go out now) or want to write: the
  // flush sends what is queued or held and registers what TLS waits for.
  flush();
}

void Connection::on_frame_bytes(std::span<std::uint8_t> in) { parse_frames(in); }

[[gnu::always_inline]] inline void Connection::parse_frames(std::span<std::uint8_t> in) {
  // Entered open or closing; stops when the input runs out, when a callback or error moved us
  // past `closing`, or when the queue is over its cap (the rest waits).
  do {
    FrameParser::Step step = parser_.next_frame(in);
    switch (step.kind) {
      case FrameParser::Step::Kind::need_more: return;
      case FrameParser::Step::Kind::error: fail(step.error); return;
      case FrameParser::Step::Kind::frame:
        if (!on_assembled(assembler_.on_frame(parser_.header(), step.payload))) return;
        if (in.empty()) return;  // nothing left, and no frame in progress
        break;
      case FrameParser::Step::Kind::header:
        if (!on_assembled(assembler_.on_header(parser_.header()))) return;
        break;
      case FrameParser::Step::Kind::payload:
        if (!on_assembled(assembler_.on_payload(step.payload, step.frame_end, parser_.header()))) return;
        break;
    }
    if (outbox_.must_pause_reading(ep_.limits(), session_.is_open()) && hold_input(in)) return;
  } while (session_.is_open() || session_.is(ConnState::closing));
}

bool Connection::hold_input(std::span<std::uint8_t> rest) {
  if (rest.empty()) return true;
  HeldInput& h = extras().held;
  if (h.buffer.size() < rest.size()) {
    free_held_input();
    // With the process at its budget there is no room to hold the rest: it is parsed now, and
    // what it asks to send meets the policy like any send over the cap. The holder is the
    // connection, queue included: a peer whose queue is at its cap may not hold input out of
    // the budget's last eighth, which is kept for small holders (MemoryBudget).
    const std::size_t bytes = mem::page_footprint(rest.size());
    if (!ep_.try_charge(bytes, outbox_.charge() + assembler_.held_bytes() + bytes)) return false;
    if (!h.buffer.allocate(rest.size())) {
      ep_.uncharge(bytes);
      return false;
    }
  }
  std::memmove(h.buffer.data(), rest.data(), rest.size());  // `rest` may lie in this very buffer
  h.size = static_cast<std::uint32_t>(rest.size());
  outbox_.set(Outbox::input_held, true);
  return true;
}

void Connection::resume_held_input() {
  // Parsed in place, like the scratch buffer; a second pause moves what is left to the front.
  HeldInput& h = extras().held;
  std::span<std::uint8_t> in(h.buffer.data(), h.size);
  h.size = 0;
  outbox_.set(Outbox::input_held, false);  // hold_input sets it again if parsing pauses once more
  if (session_.is_open() || session_.is(ConnState::closing)) {
    EventLoop::Cork cork(ep_.loop());  // not inside a loop turn when called from a flush
    on_frame_bytes(in);
  }
  if (h.size == 0) free_held_input();
}

void Connection::free_held_input() {
  Extras* e = phase_.get<Extras>();
  if (!e || !e->held.buffer) return;
  ep_.uncharge(e->held.buffer.size());
  e->held.buffer.reset();
  e->held.size = 0;
  outbox_.set(Outbox::input_held, false);
}

inline bool Connection::on_assembled(const MessageAssembler::Event& ev) {
  switch (ev.kind) {
    case MessageAssembler::Event::Kind::none: return true;
    case MessageAssembler::Event::Kind::error: fail(ev.error); return false;
    case MessageAssembler::Event::Kind::message:
      if (ev.compressed) [[unlikely]] {
        const bool ok = on_compressed_message(ev.opcode, ev.data);
        assembler_.release();
        return ok;
      }
      // Messages the peer sent before it saw our close frame are still delivered; we only may
      // not send any more (RFC 6455 §5.5.1).
      ep_.counters().messages_received.add(1);
      if (const Behaviors& b = ep_.behaviors(behaviors_set_); b.on_message)
        b.on_message(WebSocket(this), ev.data, ev.opcode);
      assembler_.release();
      return true;
    case MessageAssembler::Event::Kind::control:
      on_control(ev.opcode, ev.data);
      assembler_.release();
      return true;
  }
  return true;
}

void Connection::on_control(Opcode opcode, std::string_view payload) {
  switch (opcode) {
    case Opcode::ping:
      if (session_.is_open()) enqueue_control(encode_control(Opcode::pong, payload), SendQueue::kPongTag);
      break;
    case Opcode::close: on_peer_close(payload); break;
    default:  // pong: last_heard_ already moved
      break;
  }
}

void Connection::on_peer_close(std::string_view payload) {
  std::uint16_t code = close_code::no_status;
  std::string_view reason;
  if (payload.size() == 1) return fail(ProtocolError::close_payload_one_byte);
  if (payload.size() >= 2) {
    code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                      static_cast<std::uint8_t>(payload[1]));
    if (!is_valid_wire_close_code(code)) return fail(ProtocolError::invalid_close_code);
    reason = payload.substr(2);
    if (!is_valid_utf8(reason)) return fail(ProtocolError::invalid_utf8);
  }
  note_close(CloseReason::normal);
  // §5.5.1: answer with a close frame carrying the same code.
  if (session_.is_open()) send_close_frame(code == close_code::no_status ? 0 : code, {});
  notify_closed(code, reason);
  begin_draining();
}

// ---- Endings ------------------------------------------------------------------------------

void Connection::enter(ConnState next) {
  // A peer that is not open any more holds no producer back (flow control).
  if (session_.sends() && over_low_watermark()) ep_.on_backlog(*this, false);
  session_.to(next);
  phase_since_ = now32();
  schedule_timer();
}

void Connection::close(std::uint16_t code, std::string_view reason) {
  // A stream has no close frame.
  if (session_.is(ConnState::streaming) || session_.is(ConnState::awaiting)) return end_stream();
  if (!session_.is_open()) return;
  if (!is_valid_wire_close_code(code)) {
    log(LogLevel::warn, "close code {} may not be sent; using 1000", code);
    code = close_code::normal;
  }
  note_close(CloseReason::normal);  // unless the caller noted why (policy, idle, shutdown)
  send_close_frame(code, reason);
  enter(ConnState::closing);
}

void Connection::send_close_frame(std::uint16_t code, std::string_view reason) {
  char payload[kMaxControlPayload];
  std::size_t size = 0;
  if (code != 0) {
    payload[0] = static_cast<char>(code >> 8);
    payload[1] = static_cast<char>(code & 0xFF);
    reason = reason.substr(0, kMaxControlPayload - 2);
    std::copy(reason.begin(), reason.end(), payload + 2);
    size = 2 + reason.size();
  }
  enqueue_control(encode_control(Opcode::close, {payload, size}));
}

void Connection::fail(ProtocolError e) {
  std::uint16_t code = close_code_for(e);
  note_close(code == close_code::message_too_big ? CloseReason::message_too_big
                                                 : CloseReason::protocol_error);
  log(LogLevel::warn, "{}: {}; closing with {}", describe_peer(transport_.fd()), describe(e), code);
  // _Fail the WebSocket Connection_ (§7.1.7): our close frame, then no more parsing. The peer's
  // close frame is never read, so on_close reports 1006 (§7.1.5) once the connection ends.
  if (session_.is_open()) send_close_frame(code, describe(e));
  begin_draining();
}

void Connection::begin_draining() {
  if (session_.finishing() || session_.is(ConnState::closed)) return;
  drop_handshake();
  outbox_.set(Outbox::unread_full, false);  // what arrives now is read and discarded
  // Nothing more is parsed: what input was being gathered or held goes back to the budget now,
  // not when the peer finally closes.
  ep_.counters().memory_freed_on_close.add(assembler_.held_bytes());
  assembler_.discard();
  free_held_input();
  enter(ConnState::draining);
  request_flush();
}

void Connection::notify_closed(std::uint16_t code, std::string_view reason) {
  switch (session_.take_close_notice()) {
    case Session::Owed::nothing: return;
    case Session::Owed::websocket: {
      ep_.counters().connections_open.sub(1);
      const Behaviors& b = ep_.behaviors(behaviors_set_);
      if (b.on_close) b.on_close(WebSocket(this), code, reason);
      if (b.destroy_user_data && user_data_) b.destroy_user_data(std::exchange(user_data_, nullptr));
      return;
    }
    case Session::Owed::stream: {
      ep_.counters().connections_open.sub(1);
      const StreamBehaviors& b = ep_.stream_behaviors(behaviors_set_);
      if (b.on_close) b.on_close(HttpStream(this));
      if (b.destroy_user_data && user_data_) b.destroy_user_data(std::exchange(user_data_, nullptr));
      return;
    }
  }
}

void Connection::abort(const char* why) {
  if (session_.is(ConnState::closed)) return;
  if (why) note_close(CloseReason::socket_error);  // an ending nobody decided on
  if (why && log_level() <= LogLevel::debug)
    log(LogLevel::debug, "{}: {}", describe_peer(transport_.fd()), why);
  release_input_and_output();
  notify_closed(close_code::abnormal, {});  // no close frame came from the peer (§7.1.5)
  close_transport();
}

void Connection::cut(const char* why) {
  if (session_.is(ConnState::closed)) return;
  if (why) note_close(CloseReason::socket_error);
  if (why && log_level() <= LogLevel::debug)
    log(LogLevel::debug, "{}: {}", describe_peer(transport_.fd()), why);
  release_input_and_output();
  close_transport();  // on_close follows in the before-sleep pass
}

void Connection::release_input_and_output() {
  if (session_.sends() && over_low_watermark()) ep_.on_backlog(*this, false);
  // What was queued is released before the socket closes: whoever sees the connection end
  // (the peer's EOF, on_close) also sees the counters without it.
  outbox_.release_all(ep_);
  free_held_input();
}

void Connection::close_transport() {
  EventLoop& loop = ep_.loop();
  loop.unwatch(transport_.fd());
  loop.cancel_timer(this);
  transport_.close();
  ep_.on_closed(*this);
  session_.to(ConnState::closed);
  loop.defer(this);  // freed in the before-sleep pass, never inside this call chain
}

void Connection::go_away() {
  note_close(CloseReason::shutdown);
  if (session_.is(ConnState::handshaking) || session_.is(ConnState::connecting)) abort("shutting down");
  end_stream();
  close(close_code::going_away, "server shutting down");
}

std::string Connection::description() {
  if (session_.is(ConnState::streaming) || session_.is(ConnState::awaiting) || !session_.upgraded())
    return {};
  const Behaviors& b = ep_.behaviors(behaviors_set_);
  if (!b.describe) return {};
  try {
    return b.describe(WebSocket(this));
  } catch (const std::exception& e) {
    log(LogLevel::error, "describe threw: {}", e.what());
    return {};
  }
}

void Connection::end_stream() {
  if (session_.is(ConnState::streaming) || session_.is(ConnState::awaiting)) begin_draining();
}

// ---- Timers -------------------------------------------------------------------------------

DeadlineInputs Connection::deadline_inputs() const {
  DeadlineInputs in;
  in.state = session_.state();
  in.role = ep_.role();
  const ServerHandshake* hs = phase_.get<ServerHandshake>();
  in.kept_alive = hs && hs->requests_served() > 0;
  in.write_waiting = outbox_.is(Outbox::write_armed);
  in.ping_outstanding = session_.ping_outstanding();
  in.now = now32();
  in.last_heard = last_heard_;
  in.last_progress = outbox_.last_progress();
  in.phase_since = phase_since_;
  return in;
}

void Connection::schedule_timer() {
  Deadline d = next_deadline(ep_.limits(), deadline_inputs());
  if (d.kind == Deadline::Kind::none) {
    ep_.loop().cancel_timer(this);
    return;
  }
  ep_.loop().schedule(this, std::chrono::milliseconds(d.in_ms));
}

void Connection::on_timer() {
  const Deadline d = next_deadline(ep_.limits(), deadline_inputs());
  if (!d.due()) {  // woken early, or what it waited for moved on
    schedule_timer();
    return;
  }
  using K = Deadline::Kind;
  switch (d.kind) {
    case K::none: return;
    case K::connect: fail_open("connect timed out"); return;
    case K::handshake:
      if (ep_.role() == Role::client) {
        fail_open("no handshake response in time");
        return;
      }
      note_close(CloseReason::handshake_timeout);
      log(LogLevel::info, "{}: no complete handshake within {} ms; closing", describe_peer(transport_.fd()),
          ep_.limits().handshake_timeout.count());
      abort(nullptr);
      return;
    case K::keep_alive: abort(nullptr); return;  // a kept-alive connection that went quiet
    case K::write:
      note_close(CloseReason::write_timeout);
      close_slow_consumer("no write progress within write_timeout");
      return;
    case K::idle:
      note_close(CloseReason::idle);
      log(LogLevel::info, "{}: silent for {} ms; closing", describe_peer(transport_.fd()),
          now32() - last_heard_);
      close(close_code::going_away, "idle timeout");
      return;
    case K::ping:
      enqueue_control(encode_control(Opcode::ping, {}));
      session_.set_ping_outstanding(true);
      schedule_timer();
      return;
    case K::close: abort("close deadline passed"); return;
  }
}

}  // namespace sluice::detail
