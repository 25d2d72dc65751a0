// The server side of a Connection before it upgrades: each request the ServerHandshake part
// finds in the bytes read is acted on in turn: answered by a route, refused, or upgraded to a
// WebSocket (RFC 6455 §4.2), in which case the application decides in on_upgrade. A route may
// also answer with a stream, or later (HttpResponse::later()): then the requests behind it wait,
// kept, until the answer has gone out.
#include <exception>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "conn/server_handshake.hpp"
#include "http/handshake.hpp"
#include "http/response.hpp"
#include "http/tokens.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "ws/deflate_offer.hpp"

namespace sluice::detail {

void Connection::on_handshake_bytes(std::span<std::uint8_t> in) {
  // One read may carry several requests of a kept-alive connection (pipelining): each is
  // answered in turn, in order.
  while (ServerHandshake* hs = phase_.get<ServerHandshake>()) {
    ServerHandshake::Step step = hs->feed(in);
    switch (step.kind) {
      case ServerHandshake::Step::Kind::need_more:
        if (step.send_continue) {
          push(raw_bytes(continue_response()), SendQueue::kRawTag);
          request_flush();
        }
        return;
      case ServerHandshake::Step::Kind::respond_and_close:
        log(LogLevel::warn, "{}: bad request: {}; answering {}", describe_peer(transport_.fd()), step.reason,
            step.status);
        note_close(CloseReason::protocol_error);
        respond_and_close(step.status, step.reason);
        return;
      case ServerHandshake::Step::Kind::upgrade:
        accept_upgrade(*hs);
        // Frames the client sent right behind its request arrived in the same read.
        if (session_.is_open() && step.consumed < in.size()) on_frame_bytes(in.subspan(step.consumed));
        return;
      case ServerHandshake::Step::Kind::request:
        in = in.subspan(step.consumed);
        if (!serve_plain_http(*hs)) {
          // What follows a request answered later waits until the answer has gone out.
          if (session_.is(ConnState::awaiting)) keep_unread(in);
          return;
        }
        if (in.empty()) return;
        if (outbox_.charge() >= outbox_.cap(ep_.limits())) {
          note_close(CloseReason::refused);
          abort("pipelines requests faster than it reads the responses");
          return;
        }
        break;
    }
  }
}

void Connection::accept_upgrade(ServerHandshake& hs) {
  UpgradeRequest req;
  static_cast<HttpRequest&>(req) = hs.head().request;
  behaviors_set_ = ep_.ws_behaviors_for(req.path);
  const Behaviors& b = ep_.behaviors(behaviors_set_);
  UpgradeDecision d = b.on_upgrade ? b.on_upgrade(req) : UpgradeDecision::accept();
  if (d.status != 101) {
    log(LogLevel::info, "{}: upgrade of {} refused by the application with {}",
        describe_peer(transport_.fd()), req.path, d.status);
    note_close(CloseReason::refused);
    respond_and_close(d.status, d.body);
    return;
  }
  if (!d.subprotocol.empty() && !req.offers_subprotocol(d.subprotocol)) {
    log(LogLevel::error, "on_upgrade chose subprotocol '{}' that the client did not offer", d.subprotocol);
    if (b.destroy_user_data && d.user_data) b.destroy_user_data(d.user_data);
    respond_and_close(500, "server chose a subprotocol the client did not offer");
    return;
  }
  const std::optional<DeflateParams> deflate = negotiate_deflate(req);
  FrameRef response = raw_bytes(
      switching_protocols(accept_key(hs.key()), d.subprotocol, deflate ? deflate_response(*deflate) : ""));
  drop_handshake();  // `hs`, `req` and `d`'s views point into it: not used past here
  if (deflate) start_deflate(DeflateSide::server(*deflate));
  push(std::move(response), SendQueue::kRawTag);
  user_data_ = d.user_data;
  session_.opened();
  ep_.counters().connections_open.add(1);
  ep_.on_upgraded(this);
  schedule_timer();
  request_flush();
  if (b.on_open) b.on_open(WebSocket(this));
}

std::optional<DeflateParams> Connection::negotiate_deflate(const UpgradeRequest& req) const {
  const Compression mode = ep_.limits().compression;
  if (mode == Compression::off) return std::nullopt;
  // Offers may come in several header fields; as one list they read the same (RFC 9110 §5.3).
  std::string offers;
  for (const HttpHeader& h : req.headers) {
    if (!iequals(h.name, "sec-websocket-extensions")) continue;
    if (!offers.empty()) offers += ", ";
    offers += h.value;
  }
  if (offers.empty()) return std::nullopt;
  return accept_deflate_offer(offers, mode);
}

bool Connection::serve_plain_http(ServerHandshake& hs) {
  const HttpRequest& req = hs.request();
  const bool head_only = req.method == "HEAD";
  const bool keep_alive = hs.keep_alive();
  RouteTable::Match route = ep_.routes()->find(req.method, req.path);
  HttpResponse resp;
  if (route.handler) {
    try {
      resp = (*route.handler)(req);
    } catch (const std::exception& e) {
      log(LogLevel::error, "route {} threw: {}", req.path, e.what());
      resp = {500, "text/plain; charset=utf-8", "internal server error\n", {}};
    }
  } else if (route.path_known) {
    resp = {405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", route.allow}}};
  } else {
    resp = {404, "text/plain; charset=utf-8", "not found\n", {}};
  }
  if (resp.streaming) {
    if (resp.deferred) {
      defer_answer(hs, resp, route.stream, head_only);
    } else {
      start_stream(resp, route.stream, head_only);  // the connection is the stream's now
    }
    return false;
  }
  push(raw_bytes(http_response(resp, head_only, keep_alive)), SendQueue::kRawTag);
  if (!keep_alive) {
    begin_draining();
    return false;
  }
  // The views of `req` end here; the connection waits for its next request, keep_alive_timeout
  // counted from now.
  hs.next_request();
  phase_since_ = now32();
  schedule_timer();
  request_flush();
  return true;
}

bool Connection::has_stream_behaviors(std::uint8_t set) {
  if (set != 0 && ep_.stream_behaviors(set).on_open) return true;
  log(LogLevel::error, "a route answered with a stream but has no stream behaviors with on_open");
  respond_and_close(500, "internal server error");
  return false;
}

void Connection::start_stream(const HttpResponse& resp, std::uint8_t set, bool head_only) {
  if (!has_stream_behaviors(set)) return;
  push(raw_bytes(http_stream_head(resp)), SendQueue::kRawTag);
  if (head_only) {
    const StreamBehaviors& b = ep_.stream_behaviors(set);
    if (b.destroy_user_data && resp.stream_user_data) b.destroy_user_data(resp.stream_user_data);
    begin_draining();
    return;
  }
  drop_handshake();  // the request's views end here
  session_.began_streaming();
  hand_to_stream(resp, set);
}

void Connection::defer_answer(ServerHandshake& hs, const HttpResponse& resp, std::uint8_t set,
                              bool head_only) {
  if (!has_stream_behaviors(set)) return;
  hs.defer_answer(head_only, ep_);  // the request's views end here
  session_.began_awaiting();
  hand_to_stream(resp, set);
}

void Connection::hand_to_stream(const HttpResponse& resp, std::uint8_t set) {
  user_data_ = resp.stream_user_data;
  behaviors_set_ = set;
  ep_.counters().connections_open.add(1);
  ep_.on_upgraded(this);
  phase_since_ = now32();
  schedule_timer();
  request_flush();
  ep_.stream_behaviors(set).on_open(HttpStream(this));
}

bool Connection::awaits_answer() const {
  const ServerHandshake* hs = phase_.get<ServerHandshake>();
  return session_.is(ConnState::awaiting) && hs->deferred()->stage() == DeferredAnswer::Stage::waiting;
}

void Connection::keep_unread(std::span<const std::uint8_t> in) {
  DeferredAnswer& d = *phase_.get<ServerHandshake>()->deferred();
  if (!d.keep(in)) {
    log(LogLevel::warn,
        "{}: no room in the memory budget for requests sent behind one answered later; closing",
        describe_peer(transport_.fd()));
    note_close(CloseReason::refused);
    abort(nullptr);
    return;
  }
  if (d.full() && !outbox_.is(Outbox::unread_full)) {
    outbox_.set(Outbox::unread_full, true);
    update_interest();
  }
}

SendStatus Connection::answer(const HttpResponse& response) {
  if (!awaits_answer()) return SendStatus::closed;
  DeferredAnswer& d = *phase_.get<ServerHandshake>()->deferred();
  push(raw_bytes(http_response(response, d.head_only(), d.keep_alive())), SendQueue::kRawTag);
  if (!d.keep_alive()) {
    begin_draining();
    return SendStatus::queued;
  }
  d.answered();
  // on_close and the next requests wait for the before-sleep pass: the application's respond()
  // returns first.
  ep_.loop().defer(this);
  return SendStatus::queued;
}

void Connection::read_requests_again() {
  ServerHandshake& hs = *phase_.get<ServerHandshake>();
  if (hs.deferred()->stage() != DeferredAnswer::Stage::answered) return;
  notify_closed(close_code::normal, {});          // the stream's handle ends here
  if (!session_.is(ConnState::awaiting)) return;  // its on_close ended the connection
  session_.answered();
  ep_.on_back_to_requests(this);
  outbox_.set(Outbox::unread_full, false);
  phase_since_ = now32();  // keep_alive_timeout counts from the answer
  schedule_timer();
  const std::unique_ptr<DeferredAnswer> d = hs.take_deferred();  // its bytes live until the end
  EventLoop::Cork cork(ep_.loop());
  if (!d->unread().empty()) on_handshake_bytes(d->unread());
  // Decrypted bytes TLS holds are not signalled by the socket again: read them now.
  if (session_.is(ConnState::handshaking) && transport_.secure()) on_io(io_event::readable);
}

void Connection::start_refused(int status, std::string_view why) {
  start();
  if (session_.is(ConnState::closed)) return;
  note_close(CloseReason::refused);
  // The response goes out before the request is read (a server may answer at any time); what
  // the client sends is then read and discarded until it closes or close_timeout passes.
  respond_and_close(status, why);
}

void Connection::respond_and_close(int status, std::string_view body, bool head_only) {
  std::string text(body);
  text += '\n';
  push(raw_bytes(simple_response(status, "text/plain; charset=utf-8", text, head_only)), SendQueue::kRawTag);
  begin_draining();
}

}  // namespace sluice::detail
