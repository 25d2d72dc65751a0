"""DESIGN invariant 1 / issue 3 item 8: an idle upgraded connection costs sluice-echo under
200 bytes of user-space memory (server VmRSS growth over 10,000 idle connections, after 200
warm-up connections)."""

import sys

from _common import memlib, parse, echo_argv

LIMIT_BYTES = 200
WANTED = 10000
WARMUP = 200


def main():
    args = parse(__doc__)
    nofile = memlib.raise_nofile_soft()  # the client and the server (which inherits it) need it
    count = WANTED
    if nofile < WANTED + WARMUP + 300:
        count = max(1000, nofile - WARMUP - 300)
        print(f"note: RLIMIT_NOFILE hard limit is {nofile}: measuring {count} connections, not {WANTED}")
    r = memlib.idle_connection_bytes(echo_argv(args.server), count=count, warmup=WARMUP)
    per = r["bytes_per_connection"]
    print(
        f"sluice-echo: VmRSS {r['rss_before_kib']} KiB -> {r['rss_after_kib']} KiB over "
        f"{r['connections']} idle upgraded connections = {per:.0f} B per connection (limit {LIMIT_BYTES})"
    )
    if per >= LIMIT_BYTES:
        print(f"FAIL: {per:.0f} B per idle connection, limit {LIMIT_BYTES} B")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
