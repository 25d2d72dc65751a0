#!/usr/bin/env python3
"""The relay's Redis broker under the same load as the relay alone (docs/benchmarks.md, "Several
relays through Redis"): one WebSocket publisher at a fixed rate (a client publishing on the
topic; sluice-bench's HTTP publisher pipelines on one keep-alive connection, which a publish
answered later through the broker closes), N subscribers to one topic, 250-byte
messages, measured by sluice-bench fanout (delivered messages/s, publish-to-receive latency, the
subscribers' relay's CPU per delivery), and Redis's CPU per published message from /proc.

  alone     one relay, no broker: subscribers and publisher on relay A
  redis-1   one relay with the broker: the same, every message through Redis and back
  redis-2   two relays with the broker: subscribers on relay B, publisher on relay A

With --relay-threads N every relay runs N worker threads (the subscribers spread over them, and
a message published on one thread reaches the others through their inboxes).

Usage: bench/broker.py [--build build] [--subscribers 200] [--rate 1000] [--duration 10] [--relay-threads 1]
Every process it starts listens on 127.0.0.1 and is stopped by its PID."""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def wait_ready(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.05)
    raise SystemExit(f"relay on {port} not ready")


def config(tmp, name, redis_port):
    path = os.path.join(tmp, f"{name}.toml")
    broker = f'[broker]\ntype = "redis"\nurl = "redis://127.0.0.1:{redis_port}/0"\n' if redis_port else ""
    with open(path, "w") as f:
        f.write("[server]\nmax_connections_per_ip = 10000\n\n" + broker +
                '\n[[topic]]\nmatch = "bench"\npublish = ["http", "clients"]\n')
    return path


def start_relay(binary, conf, tmp, name, threads):
    port = free_port()
    log = open(os.path.join(tmp, f"{name}.log"), "w")
    p = subprocess.Popen([binary, "--config", conf, "--listen", f"127.0.0.1:{port}", "--log-level", "warn",
                          "--threads", str(threads)], stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    wait_ready(port)
    return p, port


def stop(p):
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_case(args, name, tmp):
    redis = None
    relays = []
    try:
        redis_port = None
        if name != "alone":
            redis_port = free_port()
            redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1",
                                      "--dir", tmp, "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_port(redis_port)
        conf = config(tmp, name, redis_port)
        a, a_port = start_relay(args.relay, conf, tmp, f"{name}-a", args.relay_threads)
        relays.append(a)
        sub_relay, sub_port = a, a_port
        if name == "redis-2":
            sub_relay, sub_port = start_relay(args.relay, conf, tmp, f"{name}-b", args.relay_threads)
            relays.append(sub_relay)
        # Redis's own idle work (its timers, the relays' probes) over 5 s, subtracted below.
        idle_redis = 0.0
        if redis:
            before = cpu_seconds(redis.pid)
            time.sleep(5)
            idle_redis = (cpu_seconds(redis.pid) - before) / 5
        cpu0 = {p.pid: cpu_seconds(p.pid) for p in relays + ([redis] if redis else [])}
        started = time.time()
        cmd = [args.bench, "fanout", "--json", "--threads", "1", "--server-pid", str(sub_relay.pid),
               "--url", f"ws://127.0.0.1:{sub_port}/topics/bench", "--subscribers", str(args.subscribers),
               "--rate", str(args.rate), "--size", "250", "--duration", str(args.duration),
               "--publish", "ws", "--publish-url", f"ws://127.0.0.1:{a_port}/topics/bench"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
        cpu1 = {p.pid: cpu_seconds(p.pid) for p in relays + ([redis] if redis else [])}
        elapsed = time.time() - started
        result = json.loads(out.stdout.strip().splitlines()[-1])
        used = {pid: cpu1[pid] - cpu0[pid] for pid in cpu0}
        published = max(1, result["published"])
        result["case"] = name
        result["redis_cpu_us_per_publish"] = (max(0.0, used[redis.pid] - idle_redis * elapsed) / published * 1e6
                                              if redis else None)
        result["redis_idle_cpu_ms_per_s"] = idle_redis * 1e3 if redis else None
        result["publisher_relay_cpu_us_per_publish"] = used[a.pid] / published * 1e6 if name == "redis-2" else None
        return result
    finally:
        for p in relays:
            stop(p)
        stop(redis)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--cases", default="alone,redis-1,redis-2")
    ap.add_argument("--relay-threads", type=int, default=1)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    args.relay = os.path.join(args.build, "bin", "sluice")
    args.bench = os.path.join(args.build, "bin", "sluice-bench")
    results = []
    for name in args.cases.split(","):
        tmp = tempfile.mkdtemp(prefix=f"sluice-broker-bench-{name}-")
        try:
            results.append(run_case(args, name, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"| case | published | delivered/s (expected) | p50 µs | p99 µs | relay CPU µs/delivery | "
          f"Redis CPU µs/publish | publishing relay CPU µs/publish |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        def f(v, fmt="{:.2f}"):
            return "-" if v is None else fmt.format(v)
        print(f"| {r['case']} | {r['published']} | {r['delivered_per_s']:.0f} ({r['expected_per_s']:.0f}) | "
              f"{r.get('p50_us', 0):.0f} | {r.get('p99_us', 0):.0f} | {f(r.get('server_cpu_us_per_msg'))} | "
              f"{f(r['redis_cpu_us_per_publish'], '{:.1f}')} | {f(r['publisher_relay_cpu_us_per_publish'], '{:.1f}')} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
