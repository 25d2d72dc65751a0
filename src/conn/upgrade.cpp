// The handshaking state of a Connection: from the first request byte to on_open, or to the
// HTTP response that ends the connection (RFC 6455 §4.2).
#include <exception>

#include "conn/connection.hpp"
#include "conn/endpoint.hpp"
#include "http/handshake.hpp"
#include "http/request_reader.hpp"
#include "http/response.hpp"
#include "log.hpp"
#include "net/socket.hpp"
#include "server/topic_registry.hpp"

namespace sluice::detail {

void Connection::on_handshake_bytes(std::span<std::uint8_t> in) {
  // One read may carry several requests of a kept-alive connection (pipelining): each is
  // answered in turn, in order.
  while (state_ == ConnState::handshaking) {
    RequestReader::Result r = http_->feed(in);
    switch (r.kind) {
      case RequestReader::Kind::need_more:
        if (r.send_continue) {
          push(raw_bytes(continue_response()), SendQueue::kRawTag);
          request_flush();
        }
        return;
      case RequestReader::Kind::error:
        log(LogLevel::warn, "{}: bad request: {}; answering {}", describe_peer(fd_.get()), r.reason,
            r.http_status);
        note_close(CloseReason::protocol_error);
        respond_and_close(r.http_status, r.reason);
        return;
      case RequestReader::Kind::upgrade: {
        const RequestHead& head = http_->head();
        HandshakeCheck check = check_upgrade(head);
        if (check.status != 0) {
          log(LogLevel::warn, "{}: bad WebSocket handshake: {}; answering {}", describe_peer(fd_.get()),
              check.reason, check.status);
          note_close(CloseReason::protocol_error);
          respond_and_close(check.status, check.reason);
          return;
        }
        accept_upgrade(head, check.key);
        // Frames the client sent right behind its request arrived in the same read.
        if (state_ == ConnState::open && r.consumed < in.size()) on_frame_bytes(in.subspan(r.consumed));
        return;
      }
      case RequestReader::Kind::request:
        in = in.subspan(r.consumed);
        if (!serve_plain_http(http_->request(), http_->keep_alive()) || in.empty()) return;
        if (queue_.charge() >= ep_.limits().max_buffered_bytes) {
          note_close(CloseReason::refused);
          abort("pipelines requests faster than it reads the responses");
          return;
        }
        break;
    }
  }
}

void Connection::accept_upgrade(const RequestHead& head, std::string_view key) {
  UpgradeRequest req;
  static_cast<HttpRequest&>(req) = head.request;
  const Behaviors& b = ep_.behaviors();
  UpgradeDecision d = b.on_upgrade ? b.on_upgrade(req) : UpgradeDecision::accept();
  if (d.status != 101) {
    log(LogLevel::info, "{}: upgrade of {} refused by the application with {}", describe_peer(fd_.get()),
        req.path, d.status);
    note_close(CloseReason::refused);
    respond_and_close(d.status, d.body);
    return;
  }
  if (!d.subprotocol.empty() && !req.offers_subprotocol(d.subprotocol)) {
    log(LogLevel::error, "on_upgrade chose subprotocol '{}' that the client did not offer", d.subprotocol);
    respond_and_close(500, "server chose a subprotocol the client did not offer");
    return;
  }
  FrameRef response = raw_bytes(switching_protocols(accept_key(key), d.subprotocol));
  drop_handshake();  // `head` and `key` point into the parser: not used past here
  push(std::move(response), SendQueue::kRawTag);
  user_data_ = d.user_data;
  state_ = ConnState::open;
  upgraded_ = true;
  ep_.counters().connections_open.add(1);
  ep_.on_upgraded(this);
  schedule_timer();
  request_flush();
  if (b.on_open) b.on_open(WebSocket(this));
}

bool Connection::serve_plain_http(const HttpRequest& req, bool keep_alive) {
  const bool head_only = req.method == "HEAD";
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
  push(raw_bytes(http_response(resp, head_only, keep_alive)), SendQueue::kRawTag);
  if (!keep_alive) {
    begin_draining();
    return false;
  }
  // The views of `req` end here; the connection waits for its next request.
  http_->reset();
  ep_.loop().schedule(this, ep_.limits().keep_alive_timeout);
  request_flush();
  return true;
}

void Connection::start_refused(int status, std::string_view why) {
  start();
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
