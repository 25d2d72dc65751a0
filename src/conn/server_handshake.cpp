#include "conn/server_handshake.hpp"

#include "http/handshake.hpp"

namespace sluice::detail {

ServerHandshake::Step ServerHandshake::feed(std::span<const std::uint8_t> chunk) {
  using K = Step::Kind;
  RequestReader::Result r = reader_.feed(chunk);
  switch (r.kind) {
    case RequestReader::Kind::need_more: return {K::need_more, r.consumed, r.send_continue};
    case RequestReader::Kind::error:
      return {K::respond_and_close, r.consumed, false, r.http_status, r.reason};
    case RequestReader::Kind::request: return {K::request, r.consumed};
    case RequestReader::Kind::upgrade: {
      HandshakeCheck check = check_upgrade(reader_.head());
      if (check.status != 0) return {K::respond_and_close, r.consumed, false, check.status, check.reason};
      key_ = check.key;
      return {K::upgrade, r.consumed};
    }
  }
  return {K::respond_and_close, r.consumed, false, 500, "unexpected request state"};
}

}  // namespace sluice::detail
