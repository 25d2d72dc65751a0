// Fuzzes the client's reading of the server's handshake response as
// Connection::on_handshake_response drives it: the ClientHandshake's response parser read by
// read until the head is complete or refused, then check_server_response. Every stream is
// parsed once in a single read and once in the reads the input chooses (fuzz_support.hpp).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "http/client_handshake.hpp"
#include "http/handshake.hpp"
#include "http_head.hpp"

namespace sluice::fuzz {
namespace {

using Status = detail::RequestParser::Status;

// A fixed key, so that a seed can carry the matching accept value (RFC 6455 §1.3's example:
// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=) and runs are repeatable.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";

struct Setup {
  std::size_t max_bytes;
  std::size_t max_headers;
  std::vector<std::string> offered;
};

// Small limits make both 431s reachable with short inputs; the first of each is the default.
Setup setup_for(std::uint8_t options) {
  constexpr std::size_t kBytes[] = {8 * 1024, 40, 200, 1024};
  constexpr std::size_t kHeaders[] = {64, 0, 1, 5};
  Setup s{kBytes[options & 3], kHeaders[options >> 2 & 3], {}};
  if (options & 0x10) s.offered = {"chat", "superchat"};
  return s;
}

struct Outcome {
  Status status = Status::need_more;
  std::size_t head_size = 0;  // on complete: bytes of the stream the head took
  int http_status = 0;        // on error
  std::string reason;
  Head head;
  std::string refusal;  // check_server_response's answer
  std::string subprotocol;
  bool operator==(const Outcome&) const = default;
};

void check_response(const detail::RequestHead& head, const Setup& setup, Outcome& out) {
  std::optional<detail::DeflateParams> deflate;
  out.refusal =
      detail::check_server_response(head, kKey, setup.offered, out.subprotocol, Compression::off, deflate);
  if (!out.refusal.empty()) return;
  static const std::string accept = detail::accept_key(kKey);
  FUZZ_CHECK(head.status == 101);
  FUZZ_CHECK(head.request.header("sec-websocket-accept") == accept);
  FUZZ_CHECK(out.subprotocol.empty() ||
             std::find(setup.offered.begin(), setup.offered.end(), out.subprotocol) != setup.offered.end());
}

Outcome run(const StreamInput& in, const std::vector<std::size_t>& reads) {
  const Setup setup = setup_for(in.options);
  detail::ClientHandshake hs({}, std::string(kKey), setup.offered, setup.max_bytes, setup.max_headers);
  Outcome out;
  for_each_read(in.stream, reads, [&](std::span<std::uint8_t> read, std::size_t at) {
    detail::RequestParser::Result r = hs.response.feed(read);
    out.status = r.status;
    switch (r.status) {
      case Status::need_more:
        // A head that has reached max_bytes without its end is refused, not buffered on.
        FUZZ_CHECK(at + read.size() < setup.max_bytes);
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
        FUZZ_CHECK(out.head_size <= setup.max_bytes);
        check_head_end(in.stream, out.head_size);
        out.head = check_head(hs.response.head(), setup.max_headers, detail::HeadKind::response);
        check_response(hs.response.head(), setup, out);
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
  // How the bytes were cut into reads must not change what the client makes of them.
  if (!in.reads.empty()) FUZZ_CHECK(run(in, in.reads) == whole);
  return 0;
}
