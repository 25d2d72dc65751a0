#include "net/tls_memory.hpp"

#include <malloc.h>
#include <openssl/crypto.h>

#include <cstdlib>

namespace sluice::detail {
namespace {

thread_local std::int64_t t_balance = 0;
bool g_counted = false;

void* counted_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  if (p) t_balance += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void* counted_realloc(void* p, std::size_t n, const char*, int) {
  const std::size_t before = p ? malloc_usable_size(p) : 0;
  void* q = std::realloc(p, n);
  if (q) {
    t_balance += static_cast<std::int64_t>(malloc_usable_size(q)) - static_cast<std::int64_t>(before);
  } else if (n == 0) {
    t_balance -= static_cast<std::int64_t>(before);  // realloc(p, 0) freed p
  }
  return q;
}

void counted_free(void* p, const char*, int) {
  if (!p) return;
  t_balance -= static_cast<std::int64_t>(malloc_usable_size(p));
  std::free(p);
}

// Before main(), so before anything could have made OpenSSL allocate; a program that did so in
// its own static initializers gets no counting (CRYPTO_set_mem_functions then refuses).
[[gnu::constructor]] void install_hooks() {
  g_counted = CRYPTO_set_mem_functions(counted_malloc, counted_realloc, counted_free) == 1;
}

}  // namespace

bool tls_memory_counted() { return g_counted; }
std::int64_t tls_memory_balance() { return t_balance; }

}  // namespace sluice::detail
