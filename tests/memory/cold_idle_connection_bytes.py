"""Issue 16 item 4: idle memory from a cold start. A freshly started sluice-echo (no warm-up
connections) takes 10,000 connections that upgrade with up to 500 handshakes in flight and then
stay idle; its private memory (RssAnon: heap, mappings, stacks) must grow by under 200 bytes
per connection, so the handshakes leave nothing behind in the heap. VmRSS is printed too: it
also counts the program text the first handshake pages in (about 64 KiB, file-backed and shared
by every process running the binary), which the warm method (idle_connection_bytes.py) has
already paid for in its warm-up."""

import sys

from _common import memlib, parse, echo_argv

LIMIT_BYTES = 200
WANTED = 10000
IN_FLIGHT = 500


def main():
    args = parse(__doc__)
    nofile = memlib.raise_nofile_soft()
    count = WANTED
    if nofile < WANTED + 300:
        count = max(1000, nofile - 300)
        print(f"note: RLIMIT_NOFILE hard limit is {nofile}: measuring {count} connections, not {WANTED}")
    r = memlib.cold_idle_connection_bytes(echo_argv(args.server), count=count, in_flight=IN_FLIGHT)
    private = r["private_bytes_per_connection"]
    print(
        f"sluice-echo from a cold start, {r['connections']} idle upgraded connections, up to {IN_FLIGHT} "
        f"handshakes in flight:\n"
        f"  private (RssAnon) {r['anon_before_kib']} KiB -> {r['anon_after_kib']} KiB = {private:.0f} B per "
        f"connection (limit {LIMIT_BYTES})\n"
        f"  VmRSS {r['rss_before_kib']} KiB -> {r['rss_after_kib']} KiB = {r['bytes_per_connection']:.0f} B per "
        f"connection (program text included)"
    )
    if private >= LIMIT_BYTES:
        print(f"FAIL: {private:.0f} B of private memory per idle connection, limit {LIMIT_BYTES} B")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
