// The responses the server writes (src/http/response.cpp): 101 Switching Protocols, route
// replies and short refusals, byte for byte.
#include "http/response.hpp"

#include <gtest/gtest.h>

namespace sluice::detail {
namespace {

TEST(Response, SwitchingProtocolsCarriesTheAcceptKey) {
  EXPECT_EQ(switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ""),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
}

TEST(Response, SwitchingProtocolsNamesTheChosenSubprotocol) {
  EXPECT_EQ(switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "chat"),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
}

TEST(Response, SwitchingProtocolsIsOneAllocationOfItsExactSize) {
  const std::string r = switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "chat");
  EXPECT_EQ(r.capacity(), r.size());
}

TEST(Response, RouteReplyDropsHeadersThatWouldSplitTheResponse) {
  HttpResponse r{
      200, "text/plain", "hi", {{"X-Ok", "yes"}, {"X-Bad", "a\r\nSet-Cookie: x"}, {"Bad:Name", "v"}}};
  EXPECT_EQ(http_response(r, false, true),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-Ok: yes\r\n"
            "Connection: keep-alive\r\n\r\nhi");
}

TEST(Response, HeadRequestGetsTheHeadOnlyWithTheBodysLength) {
  HttpResponse r{404, "text/plain", "not found\n", {}};
  EXPECT_EQ(http_response(r, true, false),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: "
            "close\r\n\r\n");
}

TEST(Response, UpgradeRequiredNamesTheVersionItNeeds) {
  EXPECT_EQ(simple_response(426, "text/plain", "use 13\n"),
            "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n"
            "Sec-WebSocket-Version: 13\r\nConnection: close\r\n\r\nuse 13\n");
}

}  // namespace
}  // namespace sluice::detail
