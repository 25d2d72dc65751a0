// The HTTP side of the server as the application sees it: the parsed request handed to
// on_upgrade and to plain-HTTP routes, the upgrade decision, and a route's response.
// Views into a request are valid only during the callback that receives it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

class HttpRequest {
 public:
  std::string_view method;
  std::string_view target;  // path and query as sent
  std::string_view path;
  std::string_view query;  // without the '?'
  std::span<const HttpHeader> headers;
  // The request body (Content-Length framed, at most ServerOptions::max_body_bytes); empty for
  // upgrades and bodiless requests.
  std::string_view body;
  // The peer's IP address as text ("127.0.0.1", "::1"), for per-address decisions and logs.
  std::string_view remote_address;

  // First value of the header, matched case-insensitively; empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class UpgradeRequest : public HttpRequest {
 public:
  std::string_view origin() const { return header("origin"); }
  // Subprotocols the client offered in Sec-WebSocket-Protocol, in its order of preference.
  std::vector<std::string_view> subprotocols() const;
  bool offers_subprotocol(std::string_view name) const;
};

// on_upgrade's answer. A refusal is sent as an HTTP response with that status and body.
struct UpgradeDecision {
  int status = 101;
  std::string subprotocol;  // must be one the client offered; empty selects none
  void* user_data = nullptr;
  std::string body;

  static UpgradeDecision accept(std::string_view subprotocol = {}, void* user_data = nullptr) {
    return {101, std::string(subprotocol), user_data, {}};
  }
  static UpgradeDecision refuse(int status, std::string_view body = {}) {
    return {status, {}, nullptr, std::string(body)};
  }
};

struct HttpHeaderField {
  std::string name;
  std::string value;
};

// A route's answer. The server writes the status line, Content-Type, Content-Length and
// Connection itself; `headers` are sent after them as given.
//
// HttpResponse::stream() answers with a stream instead: the status line and headers go out at
// once, without a length, and the connection stays open for the chunks the route's
// StreamBehaviors send through an HttpStream (sluice/http_stream.hpp) until either side ends
// it. Server-Sent Events are such a stream.
struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status_code, std::string type, std::string text, std::vector<HttpHeaderField> fields = {})
      : status(status_code),
        content_type(std::move(type)),
        body(std::move(text)),
        headers(std::move(fields)) {}

  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<HttpHeaderField> headers;

  HttpResponse& header(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }

  // A streaming answer with `status` and `content_type`; `user_data` becomes the stream's.
  static HttpResponse stream(std::string content_type, void* user_data = nullptr, int status = 200) {
    HttpResponse r(status, std::move(content_type), {});
    r.streaming = true;
    r.stream_user_data = user_data;
    return r;
  }
  // An answer given later, once the route has heard from another system (a database, a
  // broker): nothing is written now; the route's StreamBehaviors::on_open receives the
  // HttpStream whose respond() sends the one response; on_close follows, and a kept-alive
  // connection then answers the requests that waited behind this one, in order. Until then only
  // the connection's write deadline applies: a route that waits on something must bound the
  // wait itself.
  static HttpResponse later(void* user_data = nullptr) {
    HttpResponse r = stream({}, user_data);
    r.deferred = true;
    return r;
  }
  bool streaming = false;
  bool deferred = false;  // with streaming: no head now, HttpStream::respond() later
  void* stream_user_data = nullptr;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace sluice
