#include "conn/connection.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "conn/endpoint.hpp"
#include "http/client_handshake.hpp"
#include "http/request_reader.hpp"
#include "log.hpp"
#include "mem/footprint.hpp"
#include "net/socket.hpp"
#include "server/topic_registry.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

// An idle upgraded connection is this object and nothing else (DESIGN invariant 1); with the
// allocator's 8-byte header it fits a 192-byte chunk, which the memory tests hold to.
static_assert(sizeof(Connection) <= 184);

static RequestLimits request_limits(const Limits& l) {
  return {l.max_header_bytes, l.max_headers, l.max_body_bytes};
}

Connection::Connection(Endpoint& endpoint, Fd fd)
    : ep_(endpoint),
      parser_(endpoint.role()),
      assembler_(endpoint.assembly_limits()),
      http_(endpoint.role() == Role::server ? new RequestReader(request_limits(endpoint.limits()), endpoint)
                                            : nullptr),
      fd_(std::move(fd)),
      has_http_(endpoint.role() == Role::server) {}

Connection::~Connection() {
  leave_topics();
  ep_.loop().cancel_timer(this);
  release_queue();
  if (has_http_) {
    drop_handshake();
  } else {
    free_held_input();
    delete extras_;
  }
}

void Connection::drop_handshake() {
  if (!has_http_) return;
  if (ep_.role() == Role::server) {
    delete http_;
  } else {
    delete client_hs_;
  }
  has_http_ = false;
  extras_ = nullptr;
}

std::string Connection::remote_address() const { return fd_ ? peer_address(fd_.get()) : std::string(); }

Connection::Extras& Connection::extras() {
  if (!extras_) extras_ = new Extras();  // only called once upgraded, when the slot is ours
  return *extras_;
}

void Connection::start() {
  EventLoop& loop = ep_.loop();
  http_->set_remote_address(peer_address(fd_.get()));
  last_heard_ = now32();
  loop.watch(fd_.get(), this, true, false);
  loop.schedule(this, ep_.limits().handshake_timeout);
}

void Connection::on_io(std::uint32_t events) {
  if (state_ == ConnState::closed) return;
  if (state_ == ConnState::connecting) {
    if (events & (io_event::writable | io_event::readable)) on_connected();
    return;
  }
  if ((events & io_event::writable) && is(kWriteArmed)) flush();
  if (state_ != ConnState::closed && (events & io_event::readable)) on_readable();
}

// ---- Read side ----------------------------------------------------------------------------

inline void Connection::on_readable() {
  if (has_held_input()) {  // older bytes first
    resume_held_input();
    if (has_held_input() || state_ == ConnState::closed) return;
  }
  EventLoop& loop = ep_.loop();
  IoResult r = read_some(fd_.get(), {loop.scratch(), EventLoop::kScratchSize});
  switch (r.kind) {
    case IoResult::Kind::would_block: return;
    case IoResult::Kind::closed:
      note_close(state_ == ConnState::open ? CloseReason::socket_error : CloseReason::normal);
      abort(state_ == ConnState::draining ? nullptr : "peer closed the connection");
      return;
    case IoResult::Kind::error: abort("read failed"); return;
    case IoResult::Kind::done: break;
  }
  ep_.counters().bytes_received.add(r.bytes);
  last_heard_ = now32();
  ping_outstanding_ = false;
  std::span<std::uint8_t> in(loop.scratch(), r.bytes);
  if (state_ == ConnState::open || state_ == ConnState::closing) {
    on_frame_bytes(in);
  } else if (state_ == ConnState::handshaking) {
    if (ep_.role() == Role::server) {
      on_handshake_bytes(in);
    } else {
      on_handshake_response(in);
    }
  }
  // connecting, closed; draining: the conversation is over and what still arrives is discarded.
}

void Connection::on_frame_bytes(std::span<std::uint8_t> in) {
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
    if (must_pause_reading() && hold_input(in)) return;
  } while (state_ == ConnState::open || state_ == ConnState::closing);
}

bool Connection::hold_input(std::span<std::uint8_t> rest) {
  if (rest.empty()) return true;
  HeldInput& h = extras().held;
  if (h.buffer.size() < rest.size()) {
    free_held_input();
    // With the process at its budget there is no room to hold the rest: it is parsed now, and
    // what it asks to send meets the policy like any send over the cap.
    const std::size_t bytes = mem::page_footprint(rest.size());
    if (!ep_.try_charge(bytes, bytes)) return false;
    if (!h.buffer.allocate(rest.size())) {
      ep_.uncharge(bytes);
      return false;
    }
  }
  std::memmove(h.buffer.data(), rest.data(), rest.size());  // `rest` may lie in this very buffer
  h.size = static_cast<std::uint32_t>(rest.size());
  set(kInputHeld, true);
  return true;
}

void Connection::resume_held_input() {
  // Parsed in place, like the scratch buffer; a second pause moves what is left to the front.
  HeldInput& h = extras_->held;
  std::span<std::uint8_t> in(h.buffer.data(), h.size);
  h.size = 0;
  set(kInputHeld, false);  // hold_input sets it again if parsing pauses once more
  if (state_ == ConnState::open || state_ == ConnState::closing) {
    EventLoop::Cork cork(ep_.loop());  // not inside a loop turn when called from a flush
    on_frame_bytes(in);
  }
  if (h.size == 0) free_held_input();
}

void Connection::free_held_input() {
  if (has_http_ || !extras_ || !extras_->held.buffer) return;
  HeldInput& h = extras_->held;
  ep_.uncharge(h.buffer.size());
  h.buffer.reset();
  h.size = 0;
  set(kInputHeld, false);
}

inline bool Connection::on_assembled(const MessageAssembler::Event& ev) {
  switch (ev.kind) {
    case MessageAssembler::Event::Kind::none: return true;
    case MessageAssembler::Event::Kind::error: fail(ev.error); return false;
    case MessageAssembler::Event::Kind::message:
      // Messages the peer sent before it saw our close frame are still delivered; we only may
      // not send any more (RFC 6455 §5.5.1).
      ep_.counters().messages_received.add(1);
      if (ep_.behaviors().on_message) ep_.behaviors().on_message(WebSocket(this), ev.data, ev.opcode);
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
      if (state_ == ConnState::open)
        enqueue_control(encode_control(Opcode::pong, payload), SendQueue::kPongTag);
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
  if (state_ == ConnState::open) send_close_frame(code == close_code::no_status ? 0 : code, {});
  notify_closed(code, reason);
  begin_draining();
}

// ---- Topics -------------------------------------------------------------------------------

void Connection::subscribe(std::string_view name) {
  if (state_ != ConnState::open || !ep_.topics() || is_subscribed(name)) return;
  Topic& t = ep_.topics()->get_or_create(name, ep_.topic_options(name));
  t.subscribers.push_back(this);
  extras().topics.push_back(&t);
  if (t.options.send_buffer_bytes > 0) set_send_buffer(fd_.get(), t.options.send_buffer_bytes);
}

void Connection::unsubscribe(std::string_view name) {
  if (has_http_ || !extras_) return;
  auto& topics = extras_->topics;
  auto it = std::find_if(topics.begin(), topics.end(), [&](Topic* t) { return t->name == name; });
  if (it == topics.end()) return;
  ep_.topics()->remove(**it, this);
  topics.erase(it);
}

bool Connection::is_subscribed(std::string_view name) const {
  if (has_http_ || !extras_) return false;
  auto& topics = extras_->topics;
  return std::any_of(topics.begin(), topics.end(), [&](Topic* t) { return t->name == name; });
}

void Connection::leave_topics() {
  if (has_http_ || !extras_) return;
  for (Topic* t : extras_->topics) ep_.topics()->remove(*t, this);
  extras_->topics.clear();
}

// ---- Endings ------------------------------------------------------------------------------

void Connection::close(std::uint16_t code, std::string_view reason) {
  if (state_ != ConnState::open) return;
  if (!is_valid_wire_close_code(code)) {
    log(LogLevel::warn, "close code {} may not be sent; using 1000", code);
    code = close_code::normal;
  }
  note_close(CloseReason::normal);  // unless the caller noted why (policy, idle, shutdown)
  send_close_frame(code, reason);
  state_ = ConnState::closing;
  ep_.loop().schedule(this, ep_.limits().close_timeout);
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
  log(LogLevel::warn, "{}: {}; closing with {}", describe_peer(fd_.get()), describe(e), code);
  // _Fail the WebSocket Connection_ (§7.1.7): our close frame, then no more parsing. The peer's
  // close frame is never read, so on_close reports 1006 (§7.1.5) once the connection ends.
  if (state_ == ConnState::open) send_close_frame(code, describe(e));
  begin_draining();
}

void Connection::begin_draining() {
  if (state_ == ConnState::draining || state_ == ConnState::closed) return;
  drop_handshake();
  // Nothing more is parsed: what input was being gathered or held goes back to the budget now,
  // not when the peer finally closes.
  ep_.counters().memory_freed_on_close.add(assembler_.held_bytes());
  assembler_.discard();
  free_held_input();
  state_ = ConnState::draining;
  ep_.loop().schedule(this, ep_.limits().close_timeout);
  request_flush();
}

void Connection::notify_closed(std::uint16_t code, std::string_view reason) {
  if (!upgraded_ || notified_) return;
  notified_ = true;
  ep_.counters().connections_open.sub(1);
  if (ep_.behaviors().on_close) ep_.behaviors().on_close(WebSocket(this), code, reason);
}

void Connection::abort(const char* why) {
  if (state_ == ConnState::closed) return;
  if (why) note_close(CloseReason::socket_error);  // an ending nobody decided on
  if (why && log_level() <= LogLevel::debug) log(LogLevel::debug, "{}: {}", describe_peer(fd_.get()), why);
  // What was queued is released before the socket closes: whoever sees the connection end
  // (the peer's EOF, on_close) also sees the counters without it.
  release_queue();
  free_held_input();
  notify_closed(close_code::abnormal, {});  // no close frame came from the peer (§7.1.5)
  EventLoop& loop = ep_.loop();
  loop.unwatch(fd_.get());
  loop.cancel_timer(this);
  fd_.reset();
  leave_topics();
  state_ = ConnState::closed;
  loop.defer(this);  // freed in the before-sleep pass, never inside this call chain
}

void Connection::go_away() {
  note_close(CloseReason::shutdown);
  if (state_ == ConnState::handshaking || state_ == ConnState::connecting) abort("shutting down");
  close(close_code::going_away, "server shutting down");
}

// ---- Timers -------------------------------------------------------------------------------

void Connection::schedule_timer() {
  const Limits& o = ep_.limits();
  std::uint32_t now = now32();
  std::int64_t wait = INT64_MAX;  // ms from now
  auto consider = [&](std::uint32_t since, std::chrono::milliseconds limit) {
    if (limit.count() <= 0) return;
    std::int64_t left = limit.count() - static_cast<std::int64_t>(now - since);
    wait = std::min(wait, std::max<std::int64_t>(left, 0));
  };
  if (!ping_outstanding_) consider(last_heard_, o.ping_interval);
  consider(last_heard_, o.idle_timeout);
  if (is(kWriteArmed)) consider(last_progress_, o.write_timeout);
  if (wait == INT64_MAX) {
    ep_.loop().cancel_timer(this);
    return;
  }
  ep_.loop().schedule(this, std::chrono::milliseconds(wait));
}

void Connection::on_timer() {
  const Limits& o = ep_.limits();
  switch (state_) {
    case ConnState::connecting: fail_open("connect timed out"); return;
    case ConnState::handshaking:
      if (ep_.role() == Role::client) {
        fail_open("no handshake response in time");
        return;
      }
      if (http_->requests_served() == 0) {  // else a kept-alive connection that went quiet
        note_close(CloseReason::handshake_timeout);
        log(LogLevel::info, "{}: no complete handshake within {} ms; closing", describe_peer(fd_.get()),
            o.handshake_timeout.count());
      }
      abort(nullptr);
      return;
    case ConnState::open: {
      std::uint32_t now = now32();
      auto passed = [now](std::uint32_t since, std::chrono::milliseconds limit) {
        return limit.count() > 0 && static_cast<std::int64_t>(now - since) >= limit.count();
      };
      if (is(kWriteArmed) && passed(last_progress_, o.write_timeout)) {
        note_close(CloseReason::write_timeout);
        close_slow_consumer("no write progress within write_timeout");
        return;
      }
      if (passed(last_heard_, o.idle_timeout)) {
        log(LogLevel::info, "{}: silent for {} ms; closing", describe_peer(fd_.get()), now - last_heard_);
        note_close(CloseReason::idle);
        close(close_code::going_away, "idle timeout");
        return;
      }
      if (!ping_outstanding_ && passed(last_heard_, o.ping_interval)) {
        enqueue_control(encode_control(Opcode::ping, {}));
        ping_outstanding_ = true;
      }
      schedule_timer();
      return;
    }
    case ConnState::closing:
    case ConnState::draining: abort("close deadline passed"); return;
    case ConnState::closed: return;
  }
}

}  // namespace sluice::detail
