"""Issue 3 item 8 (CONTEXT failure 2): 50 sluice-echo processes with 2 connections each cost
under 7 MiB together (summed Pss from /proc/PID/smaps_rollup, measured after `sync`)."""

import sys

from _common import memlib, parse, echo_argv

PROCESSES = 50
LIMIT_KIB = 7 * 1024


def main():
    args = parse(__doc__)
    memlib.raise_nofile_soft()
    r = memlib.many_processes_pss(lambda i: echo_argv(args.server), processes=PROCESSES, connections=2)
    per = r["per_process_pss_kib"]
    total = r["total_pss_kib"]
    print(
        f"{PROCESSES} sluice-echo processes, 2 connections each: total Pss {total} KiB "
        f"({total / 1024:.2f} MiB; per process min {min(per)} / max {max(per)} KiB; limit {LIMIT_KIB} KiB)"
    )
    if total >= LIMIT_KIB:
        print("FAIL: over the limit")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
