// A connection's handshake state lives from accept to upgrade among connections that live for
// hours; it comes from a pool of its own, never from the heap, so that a burst of handshakes in
// flight (many at once on a slow machine) leaves no holes among the connections. Only the
// parser's own small buffers may come from the heap; the handshake object itself must not.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "alloc_counter.hpp"
#include "conn/server_handshake.hpp"
#include "mem/memory_account.hpp"

namespace sluice_test {
namespace {

using sluice::detail::RequestLimits;
using sluice::detail::ServerHandshake;

TEST(HandshakeAlloc, TheHandshakeStateIsNotTakenFromTheHeap) {
  std::size_t bytes = 0;
  ServerHandshake* handshake = nullptr;
  {
    AllocCount counted;
    handshake = new ServerHandshake(RequestLimits{}, sluice::detail::mem::unlimited_account());
    bytes = counted.bytes();
  }
  ASSERT_NE(handshake, nullptr);
  EXPECT_LT(bytes, sizeof(ServerHandshake))
      << "the handshake (" << sizeof(ServerHandshake) << " bytes) came from the heap";
  delete handshake;
}

TEST(HandshakeAlloc, AThousandHandshakesInFlightTakeLessFromTheHeapThanThemselves) {
  constexpr std::size_t kInFlight = 1000;
  std::vector<std::unique_ptr<ServerHandshake>> in_flight;
  in_flight.reserve(kInFlight);
  AllocCount counted;
  for (std::size_t i = 0; i < kInFlight; ++i)
    in_flight.emplace_back(new ServerHandshake(RequestLimits{}, sluice::detail::mem::unlimited_account()));
  EXPECT_LT(counted.bytes() / kInFlight, sizeof(ServerHandshake)) << "heap bytes per handshake in flight";
}

}  // namespace
}  // namespace sluice_test
