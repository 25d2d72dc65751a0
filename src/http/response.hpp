// HTTP responses the server writes: 101 Switching Protocols and short error or route replies.
#pragma once

#include <string>
#include <string_view>

#include "sluice/http.hpp"

namespace sluice::detail {

std::string_view reason_phrase(int status);
// The 101 answer to an upgrade; `extensions`: the Sec-WebSocket-Extensions value, if any.
std::string switching_protocols(std::string_view accept, std::string_view subprotocol,
                                std::string_view extensions = {});
// A complete response that closes the connection; 426 carries Sec-WebSocket-Version: 13.
// A route's response; `keep_alive` says whether the connection stays open after it.
std::string http_response(const HttpResponse& r, bool head_only, bool keep_alive);
// The head of a streaming response: no length, and the connection ends with the stream.
std::string http_stream_head(const HttpResponse& r);
// The interim answer to `Expect: 100-continue`.
std::string_view continue_response();
std::string simple_response(int status, std::string_view content_type, std::string_view body,
                            bool head_only = false);

}  // namespace sluice::detail
