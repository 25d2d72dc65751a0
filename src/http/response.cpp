#include "http/response.hpp"

#include <fmt/format.h>

namespace sluice::detail {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

std::string switching_protocols(std::string_view accept, std::string_view subprotocol,
                                std::string_view extensions) {
  // Every upgrade sends one: built in one allocation of its exact size (formatting the head and
  // then appending its end took two, the second twice the size).
  constexpr std::string_view kHead =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  constexpr std::string_view kProtocol = "\r\nSec-WebSocket-Protocol: ";
  constexpr std::string_view kExtensions = "\r\nSec-WebSocket-Extensions: ";
  constexpr std::string_view kEnd = "\r\n\r\n";
  std::string out;
  out.reserve(kHead.size() + accept.size() +
              (subprotocol.empty() ? 0 : kProtocol.size() + subprotocol.size()) +
              (extensions.empty() ? 0 : kExtensions.size() + extensions.size()) + kEnd.size());
  out.append(kHead).append(accept);
  if (!subprotocol.empty()) out.append(kProtocol).append(subprotocol);
  if (!extensions.empty()) out.append(kExtensions).append(extensions);
  out.append(kEnd);
  return out;
}

namespace {

void append_headers(std::string& out, const HttpResponse& r) {
  for (const HttpHeaderField& h : r.headers) {
    // A CR or LF would let a value the application took from a peer split the response.
    if (h.name.find_first_of("\r\n:") != std::string::npos ||
        h.value.find_first_of("\r\n") != std::string::npos)
      continue;
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
}

}  // namespace

std::string http_response(const HttpResponse& r, bool head_only, bool keep_alive) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", r.status,
                                reason_phrase(r.status), r.content_type, r.body.size());
  append_headers(out, r);
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

std::string http_stream_head(const HttpResponse& r) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", r.status, reason_phrase(r.status),
                                r.content_type);
  append_headers(out, r);
  out += "Connection: close\r\n\r\n";
  return out;
}

std::string_view continue_response() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

std::string simple_response(int status, std::string_view content_type, std::string_view body,
                            bool head_only) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", status,
                                reason_phrase(status), content_type, body.size());
  if (status == 426) out += "Sec-WebSocket-Version: 13\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace sluice::detail
