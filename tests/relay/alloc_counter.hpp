// A test-only count of global operator new calls, for asserting that a steady-state path
// allocates nothing. The replacement operators forward to malloc and free, which ASan checks.
#pragma once

#include <cstddef>

namespace sluice::relay::test {

std::size_t allocations();
// The largest single allocation since the last reset_largest_allocation().
std::size_t largest_allocation();
void reset_largest_allocation();

}  // namespace sluice::relay::test
