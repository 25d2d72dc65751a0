// Fuzzes parse_ws_url, the client's reading of the URL it is given (RFC 6455 §3), and what the
// client then sends: every URL it accepts must come apart into an authority and a target that
// survive format_client_request and a strict server's RequestParser and check_upgrade unchanged,
// so no URL can smuggle a header or a malformed request line onto the wire.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "client/url.hpp"
#include "fuzz_support.hpp"
#include "http/client_handshake.hpp"
#include "http/handshake.hpp"
#include "http/request_parser.hpp"

namespace sluice::fuzz {
namespace {

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

void check_request_for(const detail::Url& url) {
  detail::ClientRequest req;
  req.host_header = url.host_header;
  req.target = url.target;
  const std::string request = detail::format_client_request(req, kKey);
  detail::RequestParser parser(std::max<std::size_t>(request.size(), 8 * 1024), 64);
  auto r = parser.feed({reinterpret_cast<const std::uint8_t*>(request.data()), request.size()});
  FUZZ_CHECK(r.status == detail::RequestParser::Status::complete && r.consumed == request.size());
  const detail::RequestHead& head = parser.head();
  FUZZ_CHECK(head.request.target == url.target);
  FUZZ_CHECK(head.request.header("host") == url.host_header);
  FUZZ_CHECK(detail::check_upgrade(head).status == 0);
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  const std::string_view text = fuzz::chars({data, size});
  const std::optional<detail::Url> url = detail::parse_ws_url(text);
  if (!url) return 0;
  // The scheme is case-insensitive (RFC 3986 §3.1): ws://, or wss:// for TLS.
  const std::size_t scheme = url->secure ? 6 : 5;
  FUZZ_CHECK(text.size() >= scheme && (text[0] | 0x20) == 'w' && (text[1] | 0x20) == 's' &&
             (!url->secure || (text[2] | 0x20) == 's') && text.substr(scheme - 3, 3) == "://");
  FUZZ_CHECK(!url->host.empty() && url->port != 0);
  FUZZ_CHECK(!url->target.empty() && url->target.front() == '/');
  // The authority goes out unchanged as the Host header, the rest as the target.
  const std::string_view rest = text.substr(scheme);
  FUZZ_CHECK(rest.starts_with(url->host_header));
  FUZZ_CHECK(url->host_header.find_first_of("/?") == std::string::npos);
  FUZZ_CHECK(url->host_header.find(url->host) != std::string::npos);
  const std::string_view after = rest.substr(url->host_header.size());
  FUZZ_CHECK(url->target == after ||
             ((after.empty() || after.front() == '?') && url->target == "/" + std::string(after)));
  // Its own canonical spelling reads back the same.
  const auto again =
      detail::parse_ws_url((url->secure ? "wss://" : "ws://") + url->host_header + url->target);
  FUZZ_CHECK(again && again->host == url->host && again->port == url->port && again->secure == url->secure);
  FUZZ_CHECK(again->target == url->target && again->host_header == url->host_header);
  fuzz::check_request_for(*url);
  return 0;
}
