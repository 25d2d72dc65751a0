// Fuzzes the server's reading of an upgrade request as Connection::on_handshake_bytes drives it:
// RequestParser::feed read by read until the head is complete or refused, then the upgrade
// checks (wants_websocket, check_upgrade, accept_key). Every stream is parsed once in a single
// read and once in the reads the input chooses (fuzz_support.hpp); both must end the same way.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "http/handshake.hpp"
#include "http/request_parser.hpp"
#include "http_head.hpp"
#include "sluice/http.hpp"

namespace sluice::fuzz {
namespace {

using detail::RequestParser;
using Status = RequestParser::Status;

struct Limits {
  std::size_t max_bytes;
  std::size_t max_headers;
};

// Small limits make both 431s reachable with short inputs; the first of each is the default.
Limits limits_for(std::uint8_t options) {
  constexpr std::size_t kBytes[] = {8 * 1024, 40, 200, 1024};
  constexpr std::size_t kHeaders[] = {64, 0, 1, 5};
  return {kBytes[options & 3], kHeaders[options >> 2 & 3]};
}

struct Outcome {
  Status status = Status::need_more;
  std::size_t head_size = 0;  // on complete: bytes of the stream the head took
  int http_status = 0;        // on error
  std::string reason;
  Head head;
  int upgrade = -1;  // check_upgrade's status for a WebSocket request (0: valid)
  std::string accept;
  std::vector<std::string> subprotocols;
  bool operator==(const Outcome&) const = default;
};

// The rest of the server's way to a 101 (src/conn/upgrade.cpp), for a complete head.
void check_upgrade_path(const detail::RequestHead& head, Outcome& out) {
  if (!detail::wants_websocket(head.request)) return;
  detail::HandshakeCheck check = detail::check_upgrade(head);
  out.upgrade = check.status;
  if (check.status != 0) {
    FUZZ_CHECK(check.status == 400 || check.status == 426);
    FUZZ_CHECK(*check.reason != '\0');
    return;
  }
  FUZZ_CHECK(head.request.method == "GET");
  FUZZ_CHECK(check.key.size() == 24);
  out.accept = detail::accept_key(check.key);
  FUZZ_CHECK(out.accept.size() == 28);
  UpgradeRequest req;
  static_cast<HttpRequest&>(req) = head.request;
  for (std::string_view p : req.subprotocols()) {
    FUZZ_CHECK(!p.empty() && p.find(',') == std::string_view::npos);
    FUZZ_CHECK(p.front() != ' ' && p.front() != '\t' && p.back() != ' ' && p.back() != '\t');
    FUZZ_CHECK(req.offers_subprotocol(p));
    out.subprotocols.emplace_back(p);
  }
}

Outcome run(const StreamInput& in, const std::vector<std::size_t>& reads) {
  const Limits limits = limits_for(in.options);
  RequestParser parser(limits.max_bytes, limits.max_headers);
  Outcome out;
  for_each_read(in.stream, reads, [&](std::span<std::uint8_t> read, std::size_t at) {
    RequestParser::Result r = parser.feed(read);
    out.status = r.status;
    switch (r.status) {
      case Status::need_more:
        // A head that has reached max_bytes without its end is refused, not buffered on.
        FUZZ_CHECK(at + read.size() < limits.max_bytes);
        return true;
      case Status::error:
        FUZZ_CHECK(r.http_status == 400 || r.http_status == 431 || r.http_status == 505);
        FUZZ_CHECK(r.reason != nullptr && *r.reason != '\0');
        out.http_status = r.http_status;
        out.reason = r.reason;
        return false;
      case Status::complete:
        FUZZ_CHECK(r.consumed >= 1 && r.consumed <= read.size());
        out.head_size = at + r.consumed;
        FUZZ_CHECK(out.head_size <= limits.max_bytes);
        check_head_end(in.stream, out.head_size);
        out.head = check_head(parser.head(), limits.max_headers, detail::HeadKind::request);
        check_upgrade_path(parser.head(), out);
        return false;
    }
    return false;
  });
  return out;
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::fuzz;
  StreamInput in;
  if (!parse_stream_input(data, size, in)) return 0;
  const Outcome whole = run(in, {});
  // How the bytes were cut into reads must not change what the server makes of them.
  if (!in.reads.empty()) FUZZ_CHECK(run(in, in.reads) == whole);
  return 0;
}
