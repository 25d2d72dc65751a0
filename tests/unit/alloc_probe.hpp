// A test-only probe on the global operator delete: counts how often one watched block is freed,
// so a test can assert that a shared frame is freed exactly once, and not before its last user.
// The replacement operators forward to malloc/free, which ASan still checks.
#pragma once

namespace sluice::test {

// Starts counting frees of `p` from zero.
void watch_delete(const void* p);
// Stops watching (call before `p`'s address can be reused by another allocation).
void unwatch_delete();
int watched_deletes();

}  // namespace sluice::test
