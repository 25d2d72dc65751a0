"""Issue 3 item 8: no library code asks for the fd limit (so nothing can be sized by it).
Scans the library's sources (src/ and include/) for the calls that would. The one exception is
raise_fd_limit(), which programs call at start to raise their soft limit; it sizes nothing."""

import os
import re
import sys

FORBIDDEN = ["getrlimit", "RLIMIT_NOFILE", "_SC_OPEN_MAX", "getdtablesize", "sysconf("]
ALLOWED = {"src/server/process.cpp", "include/sluice/process.hpp"}  # raise_fd_limit() and its header
SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp")


def main():
    if len(sys.argv) != 2:
        print("usage: no_fd_sized_allocation.py PROJECT_SOURCE_DIR")
        return 2
    root = sys.argv[1]
    pattern = re.compile("|".join(re.escape(w) for w in FORBIDDEN))
    scanned, hits = 0, []
    for top in ("src", "include"):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            print(f"FAIL: {top}/ not found under the source directory")
            return 1
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                scanned += 1
                if os.path.relpath(path, root) in ALLOWED:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        for m in pattern.finditer(line):
                            hits.append(f"{os.path.relpath(path, root)}:{lineno}: {m.group(0)}: {line.strip()}")
    print(f"scanned {scanned} library source files for: {', '.join(FORBIDDEN)}")
    if scanned == 0:
        print("FAIL: no source files found")
        return 1
    for h in hits:
        print(h)
    if hits:
        print(f"FAIL: {len(hits)} use(s) of the fd limit in the library")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
