// HTTP responses the server writes: 101 Switching Protocols and short error or route replies.
#pragma once

#include <string>
#include <string_view>

namespace sluice::detail {

std::string_view reason_phrase(int status);
std::string switching_protocols(std::string_view accept, std::string_view subprotocol);
// A complete response that closes the connection; 426 carries Sec-WebSocket-Version: 13.
std::string simple_response(int status, std::string_view content_type, std::string_view body,
                            bool head_only = false);

}  // namespace sluice::detail
