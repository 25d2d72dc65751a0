#!/usr/bin/env python3
"""Smoke test for sluice-bench: runs one scenario briefly against a sluice-echo (or, for the
relay scenarios, the sluice relay with bench/relay.toml) started here on port 0, and checks that
stdout is one JSON line carrying the scenario's fields."""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import os

LATENCY = ["p50_us", "p99_us", "p999_us", "max_us"]
SERVER_CPU = ["server_rss_kb", "server_user_us_per_msg", "server_sys_us_per_msg"]

# scenario name -> (subcommand arguments after the URL, URL path, fields that must be present)
SCENARIOS = {
    "echo": (["echo", "--connections", "10", "--size", "20", "--inflight", "2", "--duration", "1"], "/",
             ["messages_per_s", "messages"] + LATENCY + SERVER_CPU),
    "echo_messages": (["echo", "--connections", "4", "--size", "64", "--inflight", "1", "--duration", "20",
                       "--messages", "2000", "--threads", "2"], "/",
                      ["messages_per_s", "messages"] + LATENCY + SERVER_CPU),
    "fanout": (["fanout", "--subscribers", "20", "--rate", "200", "--size", "250", "--duration", "1.5"], "/broadcast",
               ["messages_per_s", "delivered_per_s", "published"] + LATENCY + SERVER_CPU),
    # Against the relay: a WebSocket and an HTTP publisher, and a run of a fixed message count.
    "relay_ws": (["fanout", "--subscribers", "20", "--rate", "200", "--size", "250", "--duration", "1.5"],
                 "/topics/bench", ["messages_per_s", "delivered_per_s", "published"] + LATENCY + SERVER_CPU),
    "relay_http": (["fanout", "--subscribers", "20", "--rate", "200", "--size", "250", "--duration", "1.5",
                    "--publish", "http"], "/topics/bench",
                   ["messages_per_s", "delivered_per_s", "published"] + LATENCY + SERVER_CPU),
    "relay_messages": (["fanout", "--subscribers", "20", "--rate", "500", "--size", "250", "--duration", "30",
                        "--messages", "300", "--publish", "http"], "/topics/bench",
                       ["delivered", "server_deliveries", "published"] + LATENCY + SERVER_CPU),
    "idle": (["idle", "--connections", "200", "--hold", "1"], "/",
             ["connected", "server_rss_before_kb", "server_rss_kb", "server_bytes_per_connection"]),
    "churn": (["churn", "--cycles", "200", "--parallel", "4"], "/",
              ["cycles_per_s", "completed"] + LATENCY + SERVER_CPU),
    "stall": (["stall", "--stalled", "5", "--rate", "500", "--size", "250", "--duration", "1.5"], "/broadcast",
              ["stalled_connected", "published", "max_rss_growth_kb", "server_rss_kb"] + LATENCY),
}


def start_relay(program, config):
    proc = subprocess.Popen([program, "--listen", "127.0.0.1:0", "--config", config, "--log-level", "info"],
                            stderr=subprocess.PIPE, text=True)
    for _ in range(20):
        line = proc.stderr.readline()
        m = re.search(r"listening on ws://([0-9.]+):(\d+)/", line)
        if m:
            return proc, m.group(1), int(m.group(2))
    proc.kill()
    proc.wait(timeout=10)
    raise SystemExit("the relay did not announce its port")


def start_echo(program):
    proc = subprocess.Popen([program, "--port", "0", "--log-level", "warn"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"ws://([0-9.]+):(\d+)/", line)
    if not m:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit(f"sluice-echo did not announce its port: {line!r}")
    return proc, m.group(1), int(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--echo", required=True)
    ap.add_argument("--relay", help="the sluice relay, for the relay_* scenarios")
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    args = ap.parse_args()
    sub, path, fields = SCENARIOS[args.scenario]

    if args.scenario.startswith("relay_"):
        config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "relay.toml")
        server, host, port = start_relay(args.relay, config)
    else:
        server, host, port = start_echo(args.echo)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [args.bench, sub[0], "--url", f"ws://{host}:{port}{path}", "--json",
                   "--server-pid", str(server.pid)] + sub[1:]
            series = os.path.join(tmp, "rss.txt")
            if sub[0] == "stall":
                cmd += ["--rss-series", series]
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=45)
            sys.stderr.write(run.stderr)
            if run.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)} exited with {run.returncode}; stdout: {run.stdout!r}")
            lines = run.stdout.splitlines()
            if len(lines) != 1:
                raise SystemExit(f"expected one line on stdout, got {len(lines)}: {run.stdout!r}")
            result = json.loads(lines[0])
            print(lines[0])
            if result.get("scenario") != sub[0]:
                raise SystemExit(f"scenario is {result.get('scenario')!r}, expected {sub[0]!r}")
            missing = [f for f in fields if f not in result]
            if missing:
                raise SystemExit(f"missing fields {missing} in {lines[0]}")
            if args.scenario == "relay_messages" and (result["published"] != 300 or result["delivered"] != 300 * 20):
                raise SystemExit(f"--messages 300 to 20 subscribers: {lines[0]}")
            if sub[0] == "stall":
                with open(series) as f:
                    points = [l.split() for l in f if not l.startswith("#")]
                if len(points) < 5 or any(len(p) != 2 for p in points):
                    raise SystemExit(f"RSS series has {len(points)} well-formed points")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
