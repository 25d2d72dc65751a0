#include "conn/server_handshake.hpp"

#include <new>

#include "http/handshake.hpp"
#include "mem/slot_pool.hpp"

namespace sluice::detail {

namespace {

mem::SlotPool& handshake_pool() {
  // Never destroyed: a handshake that outlives static destruction (a server in a static object)
  // still finds it.
  static mem::SlotPool* pool = new mem::SlotPool(sizeof(ServerHandshake));
  return *pool;
}

}  // namespace

void* ServerHandshake::operator new(std::size_t size) {
  // The class is final, so `size` is always its own; the check keeps that true.
  if (size > handshake_pool().slot_size()) throw std::bad_alloc();
  return handshake_pool().allocate();
}

void ServerHandshake::operator delete(void* handshake) { handshake_pool().free(handshake); }

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
