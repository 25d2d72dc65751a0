#include "sluice/process.hpp"

#include <malloc.h>
#include <sys/resource.h>

namespace sluice {

FdLimit raise_fd_limit() {
  FdLimit out;
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return out;
  out.soft_before = out.soft = r.rlim_cur;
  out.hard = r.rlim_max;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) == 0) out.soft = r.rlim_max;
  }
  return out;
}

void use_one_heap() {
#ifdef __GLIBC__
  ::mallopt(M_ARENA_MAX, 1);
#endif
}

}  // namespace sluice
