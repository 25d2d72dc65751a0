// The one command line every peer server takes: `--port P` (0 picks a free port). Shared so that
// the peers differ only in how they serve, and bench/run can start each the same way.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>

// The port from `--port P`, or -1 after printing the usage line for `program`.
inline int port_option(int argc, char** argv, const char* program) {
  long port = -1;
  bool ok = argc == 3 && std::strcmp(argv[1], "--port") == 0;
  if (ok) {
    char* end = nullptr;
    port = std::strtol(argv[2], &end, 10);
    ok = *end == '\0' && port >= 0 && port <= 65535;
  }
  if (ok) return static_cast<int>(port);
  std::fprintf(stderr, "usage: %s --port P\n", program);
  return -1;
}
