// What OpenSSL holds, as far as it can be measured: allocator hooks (CRYPTO_set_mem_functions)
// keep, per thread, the balance of bytes OpenSSL allocated minus those it freed. A TLS session
// reads the balance before and after each call it makes into OpenSSL; the difference is what the
// call left allocated (its handshake state, a partly read record, a pending write, ...), which
// the session charges to the process budget. The hooks are installed before main() runs; if the
// program had OpenSSL allocate before that, OpenSSL refuses them and nothing is counted.
#pragma once

#include <cstdint>

namespace sluice::detail {

// True when the hooks are in place and balances mean something.
bool tls_memory_counted();

// Bytes OpenSSL allocated on this thread minus those it freed on it, since the thread began
// (malloc_usable_size of each block).
std::int64_t tls_memory_balance();

}  // namespace sluice::detail
