"""Issue 10: a hostile peer cannot make sluice-echo hold more memory than its caps allow, and
what it made the server hold is given back once it leaves. Each case runs one attack from
bench/hostile.py against a fresh sluice-echo and asserts the bound on the server's RSS growth
(VmRSS, /proc/PID/status), that a healthy client beside it was served throughout, and that the
RSS came back within 4 MiB of where it started.

  a non-reading peer grows the RSS by at most 1.25 x max_buffered_bytes + 64 KiB, N of them by
  N times that, until the process budget, which then holds for the whole process.

usage: hostile_peers.py SLUICE_ECHO CASE [--skip REASON]
"""

import argparse
import os
import select
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))

import hostile  # noqa: E402
import memlib  # noqa: E402

KiB = 1024
MiB = 1024 * KiB
RETURN_KIB = 4 * 1024  # "back within 4 MiB of its baseline"
# Other threads, the healthy client's connection and page-granular growth: what the bound
# formula does not name but any process of this kind may add during a run.
SLACK_KIB = 512


def per_peer_kib(cap):
    return (1.25 * cap + 64 * KiB) / KiB


def echo(server_bin, *flags):
    return [server_bin, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn", *flags]


def check(result, bound_kib, failures, returns=True):
    growth = result["peak_kib"] - result["before_kib"]
    print(
        f"{result['attack']}: RSS {result['before_kib']} KiB -> peak {result['peak_kib']} KiB "
        f"(+{growth} KiB, bound {bound_kib:.0f} KiB) -> {result['after_kib']} KiB after "
        f"{result['after_seconds']} s; healthy client {result['healthy_ok']} ok / "
        f"{result['healthy_failed']} failed; "
        + ", ".join(f"{k}={v}" for k, v in result.items() if k not in hostile.RESULT_KEYS)
    )
    if growth > bound_kib:
        failures.append(f"RSS grew by {growth} KiB, bound {bound_kib:.0f} KiB")
    if returns and result["after_kib"] > result["before_kib"] + RETURN_KIB:
        failures.append(f"RSS stayed at {result['after_kib']} KiB, not back within 4 MiB of {result['before_kib']} KiB")
    if result["healthy_failed"] or result["healthy_ok"] == 0:
        failures.append("the healthy client was not served throughout")
    if not result["alive"]:
        failures.append("the server died")


def tiny_frames(server_bin, policy, threads, peers, cap, budget=None):
    flags = ["--threads", str(threads), "--policy", policy, "--max-buffered-bytes", str(cap)]
    bound = peers * per_peer_kib(cap)
    if budget:
        flags += ["--max-total-buffered-bytes", str(budget)]
        bound = min(bound, 1.25 * budget / KiB + peers * 64)
    server = memlib.Server(echo(server_bin, *flags))
    try:
        return hostile.run_attack(server, f"tiny_frames {policy} x{peers}", hostile.tiny_frames(peers, seconds=6.0)), bound
    finally:
        server.stop()


def case(name, server_bin):
    failures = []
    if name.startswith("tiny_frames_"):
        # tiny_frames_<policy>_<threads>t: one peer; tiny_frames_many_2t: eight peers.
        _, _, rest = name.partition("tiny_frames_")
        what, threads = rest.rsplit("_", 1)
        threads = int(threads.rstrip("t"))
        if what == "many":
            result, bound = tiny_frames(server_bin, "drop_newest", threads, 8, 2 * MiB)
        elif what == "budget":
            result, bound = tiny_frames(server_bin, "drop_newest", threads, 24, 4 * MiB, budget=16 * MiB)
        else:
            result, bound = tiny_frames(server_bin, what, threads, 1, 4 * MiB)
        check(result, bound + SLACK_KIB, failures)
    elif name == "big_messages":
        # Every echo goes to an empty queue: the budget has to be asked there too.
        budget = 32 * MiB
        server = memlib.Server(echo(server_bin, "--threads", "2", "--max-total-buffered-bytes", str(budget)))
        try:
            result = hostile.run_attack(server, "big_messages", hostile.big_messages(peers=12, size=8 * MiB - KiB))
        finally:
            server.stop()
        check(result, 1.25 * budget / KiB + 12 * 64 + SLACK_KIB, failures)
    elif name == "ping_flood":
        cap = 1 * MiB
        server = memlib.Server(echo(server_bin, "--max-buffered-bytes", str(cap)))
        try:
            result = hostile.run_attack(server, "ping_flood", hostile.ping_flood(seconds=3.0))
        finally:
            server.stop()
        check(result, per_peer_kib(cap) + SLACK_KIB, failures)
        if result["close_codes"] != [None]:
            failures.append(f"the pinging peer was closed: {result['close_codes']}")
    elif name in ("fragments", "bad_utf8"):
        budget = 24 * MiB
        server = memlib.Server(echo(server_bin, "--max-total-buffered-bytes", str(budget)))
        try:
            attack = (
                hostile.fragments(peers=10, count=8, size=1 * MiB)
                if name == "fragments"
                else hostile.bad_utf8(peers=10, size=8 * MiB)
            )
            result = hostile.run_attack(server, name, attack)
        finally:
            server.stop()
        check(result, 1.25 * budget / KiB + 10 * 64 + SLACK_KIB, failures)
        closed = [c for c in result["close_codes"] if c is not None]
        wanted = 1009 if name == "fragments" else 1007
        if not closed or any(c not in (1009, wanted) for c in closed):
            failures.append(f"close codes {result['close_codes']}: expected {wanted} or 1009 (budget)")
    elif name == "bad_handshakes":
        read_end, write_end = os.pipe()  # the server's stderr; nobody reads it during the attack
        server = memlib.Server(echo(server_bin, "--log-level", "info"), stderr=write_end)
        os.close(write_end)
        try:
            result = hostile.run_attack(server, "bad_handshakes", hostile.bad_handshakes(count=2000))
        finally:
            server.stop()
            lines = drain(read_end).count(b"\n")
            os.close(read_end)
        result["log_lines"] = lines
        check(result, 16 * MiB / KiB, failures, returns=False)
        if result["answered_400"] != 2000:
            failures.append(f"{result['unanswered']} of 2000 bad handshakes got no 400")
        if lines > 400:
            failures.append(f"{lines} log lines for one repeated warning: not rate-limited")
    elif name == "silent":
        memlib.raise_nofile_soft()
        server = memlib.Server(echo(server_bin, "--log-level", "info"), nofile=256)
        try:
            result = hostile.run_attack(server, "silent", hostile.silent(count=1500))
        finally:
            server.stop()
        check(result, 32 * MiB / KiB, failures, returns=False)
        if not result["fresh_served"]:
            failures.append("a fresh client was kept out by 1,500 silent connections")
    else:
        raise SystemExit(f"unknown case {name}")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("PASS")
    return 1 if failures else 0


def drain(fd):
    out = b""
    while select.select([fd], [], [], 0.5)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("server")
    p.add_argument("case")
    p.add_argument("--skip", metavar="REASON")
    args = p.parse_args()
    if args.skip:
        print(f"skipped: {args.skip}")
        return memlib.SKIP
    return case(args.case, args.server)


if __name__ == "__main__":
    sys.exit(main())
