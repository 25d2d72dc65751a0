// A test-only count of global operator new calls, for asserting that a steady-state path
// allocates nothing. The replacement operators forward to malloc and free, which ASan checks.
#pragma once

#include <cstddef>

namespace sluice::relay::test {

std::size_t allocations();

}  // namespace sluice::relay::test
