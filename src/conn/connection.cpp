#include "conn/connection.hpp"

#include <algorithm>
#include <string>

#include "http/request_parser.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "server/worker.hpp"
#include "ws/utf8.hpp"

namespace sluice::detail {

Connection::Connection(Worker& worker, Fd fd)
    : worker_(worker),
      fd_(std::move(fd)),
      parser_(Role::server),
      assembler_(worker.options().max_message_size),
      http_(
          std::make_unique<RequestParser>(worker.options().max_header_bytes, worker.options().max_headers)) {}

Connection::~Connection() { worker_.loop().cancel_timer(this); }

void Connection::start() {
  EventLoop& loop = worker_.loop();
  last_heard_ms_ = loop.now_ms();
  loop.watch(fd_.get(), this, true, false);
  loop.schedule(this, worker_.options().handshake_timeout);
}

void Connection::on_io(std::uint32_t events) {
  if (state_ == ConnState::closed) return;
  if ((events & io_event::writable) && write_armed_) flush();
  if (state_ != ConnState::closed && (events & io_event::readable)) on_readable();
}

// ---- Read side ----------------------------------------------------------------------------

void Connection::on_readable() {
  EventLoop& loop = worker_.loop();
  IoResult r = read_some(fd_.get(), {loop.scratch(), EventLoop::kScratchSize});
  switch (r.kind) {
    case IoResult::Kind::would_block: return;
    case IoResult::Kind::closed:
      abort(state_ == ConnState::draining ? nullptr : "peer closed the connection");
      return;
    case IoResult::Kind::error: abort("read failed"); return;
    case IoResult::Kind::done: break;
  }
  last_heard_ms_ = loop.now_ms();
  ping_outstanding_ = false;
  std::span<std::uint8_t> in(loop.scratch(), r.bytes);
  switch (state_) {
    case ConnState::handshaking: on_handshake_bytes(in); break;
    case ConnState::open:
    case ConnState::closing: on_frame_bytes(in); break;
    case ConnState::draining:  // the conversation is over; what still arrives is discarded
    case ConnState::closed: break;
  }
}

void Connection::on_frame_bytes(std::span<std::uint8_t> in) {
  // Stops when the input runs out or a callback or error moved us past `closing`.
  while (state_ == ConnState::open || state_ == ConnState::closing) {
    FrameParser::Step step = parser_.next(in);
    switch (step.kind) {
      case FrameParser::Step::Kind::need_more: return;
      case FrameParser::Step::Kind::error: fail(step.error); return;
      case FrameParser::Step::Kind::header:
        if (!on_assembled(assembler_.on_header(parser_.header()))) return;
        break;
      case FrameParser::Step::Kind::payload:
        if (!on_assembled(assembler_.on_payload(step.payload, step.frame_end, parser_.header()))) return;
        break;
    }
  }
}

bool Connection::on_assembled(const MessageAssembler::Event& ev) {
  switch (ev.kind) {
    case MessageAssembler::Event::Kind::none: return true;
    case MessageAssembler::Event::Kind::error: fail(ev.error); return false;
    case MessageAssembler::Event::Kind::message:
      // After our close frame, data is no longer delivered (RFC 6455 §5.5.1).
      if (state_ == ConnState::open && worker_.behaviors().on_message)
        worker_.behaviors().on_message(WebSocket(this), ev.data, ev.opcode);
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
      if (state_ == ConnState::open) enqueue(encode_frame(Opcode::pong, payload), true);
      break;
    case Opcode::close: on_peer_close(payload); break;
    default:  // pong: last_heard_ms_ already moved
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
  if (state_ == ConnState::open)
    send_close_frame(code == close_code::no_status ? 0 : code, {});  // §5.5.1 echo
  notify_closed(code, reason);
  begin_draining();
}

// ---- Write side ---------------------------------------------------------------------------

SendStatus Connection::send(std::string_view data, Opcode opcode) {
  if (state_ != ConnState::open) return SendStatus::closed;
  const ServerOptions& o = worker_.options();
  std::size_t frame_size = data.size() + 14;
  // The cap: one message always fits an empty queue, so a message larger than the cap is
  // still deliverable; anything beyond that goes to the policy.
  if (queue_.bytes() > 0 && queue_.bytes() + frame_size > o.max_buffered_bytes) return over_cap();
  if (opcode != Opcode::text && opcode != Opcode::binary) opcode = Opcode::binary;
  return enqueue(encode_frame(opcode, data), false);
}

SendStatus Connection::ping(std::string_view payload) {
  if (state_ != ConnState::open) return SendStatus::closed;
  return enqueue(encode_frame(Opcode::ping, payload.substr(0, kMaxControlPayload)), true);
}

SendStatus Connection::enqueue(FrameRef frame, bool is_control) {
  if (state_ == ConnState::closed || (!is_control && state_ != ConnState::open)) return SendStatus::closed;
  queue_.push(std::move(frame));
  if (queue_.bytes() > worker_.options().low_watermark) over_watermark_ = true;
  SendStatus status = write_armed_ ? SendStatus::queued : SendStatus::sent;
  request_flush();
  return status;
}

SendStatus Connection::over_cap() {
  const ServerOptions& o = worker_.options();
  over_watermark_ = true;
  switch (o.policy) {
    case SlowConsumerPolicy::drop_newest: return SendStatus::dropped;
    case SlowConsumerPolicy::backpressure: return SendStatus::would_block;
    case SlowConsumerPolicy::close: break;
  }
  log(LogLevel::warn, "{}: slow consumer: {} bytes queued, cap {}; closing with 1008",
      describe_peer(fd_.get()), queue_.bytes(), o.max_buffered_bytes);
  queue_.drop_unstarted();  // the close frame goes right behind the frame already on the wire
  close(close_code::policy_violation, "slow consumer");
  return SendStatus::closed;
}

void Connection::request_flush() {
  EventLoop& loop = worker_.loop();
  // Inside a loop turn sends are corked: one sendmsg per connection before the loop sleeps.
  if (loop.dispatching()) {
    loop.defer(this);
  } else {
    flush();
  }
}

void Connection::flush() {
  if (state_ == ConnState::closed) return;
  constexpr int kMaxIov = 64;
  iovec iov[kMaxIov];
  while (!queue_.empty()) {
    int n = queue_.fill_iovecs(iov, kMaxIov);
    std::size_t want = 0;
    for (int i = 0; i < n; ++i) want += iov[i].iov_len;
    IoResult r = write_some(fd_.get(), iov, n);
    if (r.kind == IoResult::Kind::would_block) break;
    if (r.kind != IoResult::Kind::done) {
      abort("write failed");
      return;
    }
    queue_.consume(r.bytes);
    if (r.bytes < want) break;  // the socket is full; EPOLLOUT tells us when it is not
  }
  if (queue_.empty() && state_ == ConnState::draining && !half_closed_) {
    shutdown_write(fd_.get());  // our last byte is out; the peer's EOF ends the connection
    half_closed_ = true;
  }
  update_interest();
  if (over_watermark_ && state_ == ConnState::open && queue_.bytes() < worker_.options().low_watermark) {
    over_watermark_ = false;
    if (worker_.behaviors().on_drain) worker_.behaviors().on_drain(WebSocket(this));
  }
}

void Connection::update_interest() {
  if (state_ == ConnState::closed) return;
  bool want_write = !queue_.empty();
  // A peer that sends but never reads must not grow our queue: stop reading until it drains.
  bool pause = state_ == ConnState::open && queue_.bytes() >= worker_.options().max_buffered_bytes;
  if (want_write == write_armed_ && pause == read_paused_) return;
  write_armed_ = want_write;
  read_paused_ = pause;
  worker_.loop().rewatch(fd_.get(), this, !pause, want_write);
}

void Connection::on_before_sleep() {
  if (state_ == ConnState::closed) {
    worker_.destroy(this);
    return;
  }
  flush();
}

// ---- Endings ------------------------------------------------------------------------------

void Connection::close(std::uint16_t code, std::string_view reason) {
  if (state_ != ConnState::open) return;
  if (!is_valid_wire_close_code(code)) {
    log(LogLevel::warn, "close code {} may not be sent; using 1000", code);
    code = close_code::normal;
  }
  send_close_frame(code, reason);
  state_ = ConnState::closing;
  worker_.loop().schedule(this, worker_.options().close_timeout);
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
    sent_close_code_ = code;
  }
  enqueue(encode_frame(Opcode::close, {payload, size}), true);
}

void Connection::fail(ProtocolError e) {
  std::uint16_t code = close_code_for(e);
  log(LogLevel::warn, "{}: {}; closing with {}", describe_peer(fd_.get()), describe(e), code);
  // _Fail the WebSocket Connection_ (§7.1.7): our close frame, then no more parsing.
  if (state_ == ConnState::open) send_close_frame(code, describe(e));
  notify_closed(sent_close_code_ ? sent_close_code_ : code, {});
  begin_draining();
}

void Connection::begin_draining() {
  if (state_ == ConnState::draining || state_ == ConnState::closed) return;
  state_ = ConnState::draining;
  http_.reset();
  worker_.loop().schedule(this, worker_.options().close_timeout);
  request_flush();
}

void Connection::notify_closed(std::uint16_t code, std::string_view reason) {
  if (!upgraded_ || notified_) return;
  notified_ = true;
  if (worker_.behaviors().on_close) worker_.behaviors().on_close(WebSocket(this), code, reason);
}

void Connection::abort(const char* why) {
  if (state_ == ConnState::closed) return;
  if (why && log_level() <= LogLevel::debug) log(LogLevel::debug, "{}: {}", describe_peer(fd_.get()), why);
  notify_closed(sent_close_code_ ? sent_close_code_ : close_code::abnormal, {});
  EventLoop& loop = worker_.loop();
  loop.unwatch(fd_.get());
  loop.cancel_timer(this);
  fd_.reset();
  queue_.clear();
  state_ = ConnState::closed;
  loop.defer(this);  // freed in the before-sleep pass, never inside this call chain
}

void Connection::go_away() {
  if (state_ == ConnState::handshaking) abort("server shutting down");
  close(close_code::going_away, "server shutting down");
}

// ---- Timers -------------------------------------------------------------------------------

void Connection::schedule_liveness() {
  const ServerOptions& o = worker_.options();
  std::uint64_t due = UINT64_MAX;
  if (o.ping_interval.count() > 0 && !ping_outstanding_)
    due = last_heard_ms_ + static_cast<std::uint64_t>(o.ping_interval.count());
  if (o.idle_timeout.count() > 0)
    due = std::min(due, last_heard_ms_ + static_cast<std::uint64_t>(o.idle_timeout.count()));
  if (due == UINT64_MAX) return;
  std::uint64_t now = worker_.loop().now_ms();
  worker_.loop().schedule(this, std::chrono::milliseconds(due > now ? due - now : 0));
}

void Connection::on_timer() {
  const ServerOptions& o = worker_.options();
  switch (state_) {
    case ConnState::handshaking:
      log(LogLevel::info, "{}: no complete handshake within {} ms; closing", describe_peer(fd_.get()),
          o.handshake_timeout.count());
      abort(nullptr);
      return;
    case ConnState::open: {
      std::uint64_t silent = worker_.loop().now_ms() - last_heard_ms_;
      if (o.idle_timeout.count() > 0 && silent >= static_cast<std::uint64_t>(o.idle_timeout.count())) {
        log(LogLevel::info, "{}: silent for {} ms; closing", describe_peer(fd_.get()), silent);
        close(close_code::going_away, "idle timeout");
        return;
      }
      if (o.ping_interval.count() > 0 && !ping_outstanding_ &&
          silent >= static_cast<std::uint64_t>(o.ping_interval.count())) {
        enqueue(encode_frame(Opcode::ping, {}), true);
        ping_outstanding_ = true;
      }
      schedule_liveness();
      return;
    }
    case ConnState::closing:
    case ConnState::draining: abort("close deadline passed"); return;
    case ConnState::closed: return;
  }
}

}  // namespace sluice::detail
