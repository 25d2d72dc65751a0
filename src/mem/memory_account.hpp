// MemoryAccount: where a part of the engine that holds memory on a peer's behalf (message
// assembly, input held while reading is paused) asks before it grows, so that what a peer makes
// the process hold is inside the process budget too. The server charges its budget; a holder
// that is refused fails that one connection, never the process.
#pragma once

#include <cstddef>

namespace sluice::detail::mem {

class MemoryAccount {
 public:
  // Charges `bytes`, which take the asking holder to `holder_after` in all, or returns false
  // (charging nothing) when that would pass the limit.
  virtual bool try_charge(std::size_t bytes, std::size_t holder_after) = 0;
  virtual void uncharge(std::size_t bytes) = 0;

 protected:
  ~MemoryAccount() = default;
};

// An account without a limit, for code that runs outside any server (tests, tools).
MemoryAccount& unlimited_account();

}  // namespace sluice::detail::mem
