"""Churn and a reconnect storm against the relay (issue 16 item 3). sluice-bench drives the load
in C++ (a Python client cannot keep up): 20,000 connect-upgrade-go cycles on 2 threads, a
quarter each clean closes, resets after the upgrade, handshakes cut halfway (FIN or RST) and
upgraded connections dropped without a close frame; then 2,000 clients at once on one topic,
reconnecting when a handshake is cut (the relay sheds past max_handshakes), until every one
has received one published message. After each, the relay's open descriptors
(/proc/PID/fd) must be back to their baseline, none leaked, and its VmRSS back within
RSS_BOUND_KIB of its baseline (taken after a short warm-up, so that what the first connections
page in once is not counted); and it still answers. In a sanitizer build (--no-rss-bound) only
the descriptors are checked: ASan's quarantine holds freed memory on purpose."""
import json
import os
import resource
import subprocess
import sys
import time

from relay_harness import Relay, check, curl

CYCLES = 20000
STORM_CLIENTS = 2000
RSS_BOUND_KIB = 1024
SETTLE_S = 30  # the heap trimmer runs once a second; closes finish within close_timeout

CONFIG = """
[server]
# Every client comes from 127.0.0.x: the per-address limit would refuse the storm.
max_connections_per_ip = 10000
"""


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def bench(bench_bin, *args):
    out = subprocess.run([bench_bin, *args, "--json"], capture_output=True, text=True, timeout=600)
    sys.stderr.write(out.stderr)
    check(out.stdout.strip(), f"sluice-bench printed no result (exit {out.returncode})")
    return out.returncode, json.loads(out.stdout.strip().splitlines()[-1])


def settle(pid, fds_before, rss_before, what, rss_bound):
    """Waits until the descriptors are back to the baseline and RSS is within the bound."""
    end = time.time() + SETTLE_S
    while time.time() < end:
        fds, rss = open_fds(pid), rss_kib(pid)
        if fds == fds_before and (not rss_bound or rss <= rss_before + RSS_BOUND_KIB):
            print(f"after {what}: {fds} descriptors (baseline {fds_before}), VmRSS {rss} KiB "
                  f"(baseline {rss_before} KiB, {rss - rss_before:+d} KiB)")
            return
        time.sleep(0.2)
    raise AssertionError(f"after {what}: {open_fds(pid)} descriptors (baseline {fds_before}), "
                         f"VmRSS {rss_kib(pid)} KiB (baseline {rss_before} KiB, bound +{RSS_BOUND_KIB} KiB)")


def main():
    relay_bin, bench_bin = sys.argv[1], sys.argv[2]
    rss_bound = "--no-rss-bound" not in sys.argv[3:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by both programs
    check(hard >= STORM_CLIENTS + 500, f"RLIMIT_NOFILE hard limit {hard} is too low for {STORM_CLIENTS} clients")
    relay = Relay(relay_bin, CONFIG)
    try:
        pid = relay.proc.pid
        url = f"ws://127.0.0.1:{relay.port}/topics/churn"
        code, r = bench(bench_bin, "mixed-churn", "--url", url, "--cycles", "200", "--threads", "2")
        check(code == 0, f"warm-up: {r}")
        time.sleep(1.5)
        fds_before, rss_before = open_fds(pid), rss_kib(pid)
        print(f"baseline: {fds_before} descriptors, VmRSS {rss_before} KiB")

        code, r = bench(bench_bin, "mixed-churn", "--url", url, "--cycles", str(CYCLES), "--threads", "2")
        check(code == 0 and r["completed"] == CYCLES and r["failed"] == 0, f"churn: {r}")
        settle(pid, fds_before, rss_before, f"{CYCLES} cycles", rss_bound)

        topic = f"ws://127.0.0.1:{relay.port}/topics/storm"
        code, r = bench(bench_bin, "storm", "--url", topic, "--publish", relay.url("/topics/storm"),
                        "--clients", str(STORM_CLIENTS))
        check(code == 0 and r["served"] == STORM_CLIENTS, f"storm: {r}")
        settle(pid, fds_before, rss_before, f"a storm of {STORM_CLIENTS} clients", rss_bound)

        status, body = curl(relay.url("/healthz"))
        check(status == 200 and relay.proc.poll() is None, "the relay still answers")
    finally:
        relay.stop()
    print("ok")


if __name__ == "__main__":
    main()
