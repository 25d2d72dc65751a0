"""Issue 3 item 8: nothing is sized by `ulimit -n`. sluice-echo holding 2 connections has the
same VmRSS, within 64 KiB, at `ulimit -n 1024` and at the machine's hard limit."""

import sys

from _common import memlib, parse, echo_argv

LOW = 1024
TOLERANCE_KIB = 64


def main():
    args = parse(__doc__)
    high = memlib.nofile_hard()
    if high == memlib.resource.RLIM_INFINITY:
        high = 1048576
    if high <= LOW:
        print(f"skipped: the hard fd limit ({high}) is not above {LOW}")
        return memlib.SKIP
    argv = echo_argv(args.server)
    low_rss = memlib.rss_with_nofile(argv, LOW)
    high_rss = memlib.rss_with_nofile(argv, high)
    diff = high_rss - low_rss
    print(f"sluice-echo with 2 connections: VmRSS {low_rss} KiB at ulimit -n {LOW}, {high_rss} KiB at ulimit -n {high}")
    print(f"difference {diff:+d} KiB (limit +-{TOLERANCE_KIB} KiB)")
    if abs(diff) > TOLERANCE_KIB:
        print("FAIL: memory depends on the fd limit")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
