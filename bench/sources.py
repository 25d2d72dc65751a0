#!/usr/bin/env python3
"""bench/sources.py: the relay's sources under load, next to Debian's websocketd and websockify.

Three loads, each into 100 subscribers (sluice-bench subscribe, C++), measured in one run:

  udp     datagrams of 250 B sent to a udp source at fixed rates: deliveries/s, the source's
          kernel drops (SO_RXQ_OVFL), the relay's CPU per delivery
  exec    a program printing 200 lines/s of 250 B (the seed's radio rate): sluice runs it once
          as an exec source; websocketd runs one copy per client. Deliveries/s, CPU per
          delivery and resident memory of the whole process tree, processes
  tcp     an upstream streaming len16 frames of 250 B as fast as it can: sluice connects once
          (a tcp source, topic policy backpressure, so nothing is lost); websockify opens one
          upstream connection per client. Delivered MB/s, frames/s, CPU per frame, memory
  stalled 1,000 messages/s (the program against websocketd, an upstream writing len16 frames
          against websockify) into 10 subscribers and 10 more that never read, for 10 s: what
          each server does with them (closed or not) and how its memory grows

The server runs pinned to core 0; subscribers, feeders and upstreams to core 1. Every process
is started here and stopped by its PID. Needs build/bin/sluice and build/bin/sluice-bench
(cmake --build build --target sluice-relay sluice-bench), and websocketd and websockify
(SLUICE_PEERS=1 scripts/install-deps); a server that is missing is reported as such.

Writes docs/benchmarks.md between "<!-- bench/sources: begin -->" and
"<!-- bench/sources: end -->" (appended when absent) unless --no-docs, and prints the tables.

Usage: bench/sources.py [--quick] [--no-docs] [--build DIR]
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- bench/sources: begin -->", "<!-- bench/sources: end -->"
SUBSCRIBERS = 100
SIZE = 250
TICKS = os.sysconf("SC_CLK_TCK")
# The relay's caps where subscribers stall: a second of the stalled load's slack per subscriber.
STALL_LIMITS = 'max_buffered_bytes = "256KiB"\nlow_watermark = "128KiB"\nsend_buffer_bytes = "16KiB"\n'

GENERATOR = """
import sys, time
rate, size = float(sys.argv[1]), int(sys.argv[2])
start = time.monotonic()
n = 0
while True:
    line = b"%08d " % n
    sys.stdout.buffer.write(line + b"x" * (size - len(line)) + b"\\n")
    sys.stdout.flush()
    n += 1
    delay = start + n / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
"""

UDP_FEEDER = """
import socket, sys, time
port, rate, seconds, size = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"x" * size
start = time.monotonic()
sent = 0
while True:
    now = time.monotonic() - start
    if now >= seconds:
        break
    due = int(now * rate)
    while sent < due:
        s.sendto(payload, ("127.0.0.1", port))
        sent += 1
    time.sleep(0.0005)
print(sent)
"""

UPSTREAM = """
import socket, sys, threading, time
port, size, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
frame = len(b"x" * size).to_bytes(2, "big") + b"x" * size
block = frame * ((1 << 20) // len(frame))
def serve(c):
    try:
        start, n = time.monotonic(), 0
        while True:
            if rate == 0:
                c.sendall(block)
                continue
            c.sendall(frame * 10)
            n += 10
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    except OSError:
        pass
    finally:
        c.close()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(256)
print("ready", flush=True)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pinned(core, argv):
    return ["taskset", "-c", str(core)] + argv if shutil.which("taskset") else argv


def stat_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])  # ppid, utime + stime


def tree(root):
    """The pids of `root` and everything below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = stat_of(int(entry))[0]
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    pids = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in pids and pid not in pids:
                pids.add(pid)
                grew = True
    return pids


def cpu_ticks(pids):
    total = {}
    for pid in pids:
        try:
            total[pid] = stat_of(pid)[1]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


class Server:
    """A server process (and its children), stopped by PID at the end."""

    def __init__(self, name, argv, port, workdir):
        self.name = name
        self.port = port
        self.log = open(os.path.join(workdir, f"{name}.log"), "w")
        self.proc = subprocess.Popen(pinned(0, argv), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_port(port, self.proc)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def subscribe(bench, url, duration, stalled=0, on_open=None, server=None, subscribers=SUBSCRIBERS):
    """Runs sluice-bench subscribe; calls on_open() once all are open. Returns its JSON and the
    server tree's CPU seconds and peak RSS over the counting window."""
    argv = pinned(1, [bench, "subscribe", "--url", url, "--subscribers", str(subscribers),
                      "--stalled", str(stalled), "--duration", str(duration), "--json"])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if line.startswith("subscribe:") and "open" in line:
            break
    feeder = on_open() if on_open else None
    pids = tree(server.proc.pid)
    before = cpu_ticks(pids)
    rss_start = rss_kib(pids)
    peak = rss_start
    end = time.monotonic() + duration
    while time.monotonic() < end and p.poll() is None:
        time.sleep(0.25)
        pids = tree(server.proc.pid)
        peak = max(peak, rss_kib(pids))
    after = cpu_ticks(tree(server.proc.pid))
    out, err = p.communicate(timeout=120)
    cpu = sum(after[pid] - before.get(pid, 0) for pid in after) / TICKS
    result = json.loads(out.strip().splitlines()[-1])
    result.update(server_cpu_s=cpu, server_rss_start_kib=rss_start, server_rss_peak_kib=peak,
                  server_processes=len(pids))
    return result, feeder


def relay_config(workdir, text):
    path = os.path.join(workdir, "sluice.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_relay(build, workdir, sources_text, server_text=""):
    port = free_port()
    config = relay_config(workdir, f"[server]\nlisten = \"127.0.0.1:{port}\"\n{server_text}\n{sources_text}")
    return Server("sluice", [os.path.join(build, "bin", "sluice"), "--config", config, "--log-level", "warn"],
                  port, workdir)


def source_status(server, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/sources", timeout=10) as r:
        return {s["name"]: s for s in json.load(r)["sources"]}[name]


def udp_runs(build, bench, workdir, duration, rates):
    rows = []
    for rate in rates:
        udp_port = free_port()
        relay = start_relay(build, workdir, f"""
[[source]]
name = "radio"
type = "udp"
topic = "radio"
listen = "127.0.0.1:{udp_port}"
""", 'policy = "drop_oldest"\n')
        try:
            def feed():
                return subprocess.Popen(pinned(1, [sys.executable, "-c", UDP_FEEDER, str(udp_port), str(rate),
                                                   str(duration + 0.5), str(SIZE)]),
                                        stdout=subprocess.PIPE, text=True)

            r, feeder = subscribe(bench, f"ws://127.0.0.1:{relay.port}/topics/radio", duration, on_open=feed,
                                  server=relay)
            sent = int(feeder.communicate(timeout=60)[0])
            s = source_status(relay, "radio")
            rows.append(dict(rate=rate, sent=sent, source_messages=s["messages"], kernel_drops=s["kernel_drops"],
                             published_per_s=sent / (duration + 0.5), delivered_per_s=r["delivered_per_s"],
                             per_subscriber_per_s=r["delivered_per_s"] / SUBSCRIBERS,
                             cpu_us_per_delivery=1e6 * r["server_cpu_s"] / max(r["delivered"], 1),
                             rss_kib=r["server_rss_peak_kib"]))
        finally:
            relay.stop()
    return rows


def exec_runs(build, bench, workdir, duration, rate=200, subscribers=SUBSCRIBERS, stalled=0):
    gen = os.path.join(workdir, "gen.py")
    with open(gen, "w") as f:
        f.write(GENERATOR)
    rows = {}
    relay = start_relay(build, workdir, f"""
[[source]]
name = "radio"
type = "exec"
topic = "radio"
command = ["{sys.executable}", "{gen}", "{rate}", "{SIZE}"]
""", STALL_LIMITS)
    try:
        time.sleep(0.5)
        rows["sluice"], _ = subscribe(bench, f"ws://127.0.0.1:{relay.port}/topics/radio", duration, stalled,
                                      server=relay, subscribers=subscribers)
    finally:
        relay.stop()
    if shutil.which("websocketd"):
        port = free_port()
        wsd = Server("websocketd", ["websocketd", "--address", "127.0.0.1", "--port", str(port), "--loglevel",
                                    "error", sys.executable, gen, str(rate), str(SIZE)], port, workdir)
        try:
            rows["websocketd"], _ = subscribe(bench, f"ws://127.0.0.1:{port}/", duration, stalled, server=wsd,
                                              subscribers=subscribers)
        finally:
            wsd.stop()
    return rows


def tcp_runs(build, bench, workdir, duration, rate=0, subscribers=SUBSCRIBERS, stalled=0):
    """rate 0: the upstream writes as fast as it can, and the topic's policy is backpressure;
    otherwise it writes `rate` frames/s per connection, under the default policy (close)."""
    rows = {}
    up_port = free_port()
    upstream = subprocess.Popen(pinned(1, [sys.executable, "-c", UPSTREAM, str(up_port), str(SIZE), str(rate)]),
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
    policy = "backpressure" if rate == 0 else "close"
    try:
        upstream.stdout.readline()
        relay = start_relay(build, workdir, f"""
[[topic]]
match = "meters"
policy = "{policy}"

[[source]]
name = "meters"
type = "tcp"
topic = "meters"
framing = "len16"
connect = "127.0.0.1:{up_port}"
""", STALL_LIMITS if rate else "")
        try:
            r, _ = subscribe(bench, f"ws://127.0.0.1:{relay.port}/topics/meters", duration, stalled, server=relay,
                             subscribers=subscribers)
            r["frames"] = r["delivered"]
            rows["sluice"] = r
        finally:
            relay.stop()
        if shutil.which("websockify"):
            port = free_port()
            wsf = Server("websockify", ["websockify", f"127.0.0.1:{port}", f"127.0.0.1:{up_port}"], port, workdir)
            try:
                r, _ = subscribe(bench, f"ws://127.0.0.1:{port}/", duration, stalled, server=wsf,
                                 subscribers=subscribers)
                r["frames"] = r["delivered_bytes"] // (SIZE + 2)  # websockify passes chunks, not frames
                rows["websockify"] = r
            finally:
                wsf.stop()
    finally:
        os.killpg(upstream.pid, signal.SIGTERM)
        upstream.wait(timeout=10)
    return rows


def fmt(x, digits=0):
    return f"{x:,.{digits}f}"


def report(udp, exe, tcp, stall, duration, quick):
    """`stall`: rows by server name, for the exec and then the tcp load."""
    load = os.getloadavg()
    lines = [BEGIN, "",
             "### Sources into 100 subscribers (`bench/sources.py`)", "",
             f"Measured {datetime.datetime.utcnow():%Y-%m-%d} on this 2-core machine (load average "
             f"{load[0]:.1f} at the end: other builds shared it), {duration:g} s per run"
             f"{' (--quick)' if quick else ''}. The server is pinned to core 0; the 100 subscribers "
             "(`sluice-bench subscribe`), the feeders and the upstream to core 1, so the figures are what one "
             "core of the server does while the other core is busy receiving. CPU and memory are the server's "
             "whole process tree (websocketd's children included).", "",
             "**UDP source** (`type = \"udp\"`, 250 B datagrams, 4 MiB receive buffer):", "",
             "| datagrams/s sent | published of sent | kernel drops | deliveries/s | per subscriber/s | "
             "CPU µs/delivery | RSS |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in udp:
        lines.append(f"| {fmt(r['published_per_s'])} | {fmt(r['source_messages'])} of {fmt(r['sent'])} | "
                     f"{fmt(r['kernel_drops'])} | {fmt(r['delivered_per_s'])} | {fmt(r['per_subscriber_per_s'])} | "
                     f"{r['cpu_us_per_delivery']:.2f} | {r['rss_kib'] // 1024} MiB |")
    lines += ["", "A subscriber that gets fewer than the datagrams published lost the rest to its slow-consumer "
              "policy (`drop_oldest` here): at the higher rates the 100 receivers on one core fall behind."]
    lines += ["", "**A program's output** (200 lines/s of 250 B; sluice runs it once as an exec source, websocketd "
              "once per client):", "",
              "| server | deliveries/s | CPU µs/delivery | RSS (tree) | processes |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in exe.items():
        lines.append(f"| {name} | {fmt(r['delivered_per_s'])} | "
                     f"{1e6 * r['server_cpu_s'] / max(r['delivered'], 1):.2f} | "
                     f"{r['server_rss_peak_kib'] // 1024} MiB | {r['server_processes']} |")
    lines += ["", "**TCP len16 stream at full speed** (sluice connects once, topic policy `backpressure`; "
              "websockify opens one upstream connection per client and passes its bytes through):", "",
              "| server | MB/s delivered | frames/s delivered | CPU µs/frame delivered | RSS (tree) | "
              "per subscriber, least to most |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in tcp.items():
        lines.append(f"| {name} | {r['delivered_bytes'] / r['duration_s'] / 1e6:.1f} | "
                     f"{fmt(r['frames'] / r['duration_s'])} | {1e6 * r['server_cpu_s'] / max(r['frames'], 1):.2f} | "
                     f"{r['server_rss_peak_kib'] // 1024} MiB | {fmt(r['per_subscriber_min'])} to "
                     f"{fmt(r['per_subscriber_max'])} messages |")
    lines += ["", "**Stalled subscribers** (1,000 messages/s of 250 B from the program, or from an upstream "
              "writing len16 frames, to 10 subscribers that read and 10 that never do, for 10 s; sluice with "
              "`max_buffered_bytes = \"256KiB\"`, `send_buffer_bytes = \"16KiB\"` and the default policy `close`; a "
              "stalled subscriber counts as closed when, reading at last, it finds the end of the connection):", "",
              "| server | stalled closed by the server | readers closed | RSS at start | RSS peak | "
              "kB/s to each reader |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in stall.items():
        per_reader = r["delivered_bytes"] / r["duration_s"] / r["subscribers"] / 1000
        lines.append(f"| {name} | {r['stalled_closed_by_server']} of {r['stalled_connected']} | "
                     f"{r['closed_early']} of {r['subscribers']} | {r['server_rss_start_kib'] // 1024} MiB | {r['server_rss_peak_kib'] // 1024} MiB | "
                     f"{fmt(per_reader)} |")
    lines += ["", "How to read it: the relay reads each source once and encodes each message once for all its "
              "subscribers, so its memory and processes stay the same whatever the number of clients; websocketd "
              "runs the program once per client (a process and its memory each) and websockify opens one upstream "
              "connection per client, so the device or program must serve every client itself. A stalled subscriber "
              "is closed by the relay at its cap under `close` (or handled by whichever policy the topic names); "
              "websocketd keeps reading the stalled client's program and holds what it cannot send, and websockify "
              "keeps the connection and its upstream open. UDP datagrams the kernel drops before the relay reads "
              "them are counted (`kernel_drops` in GET /sources); on this machine they begin once the receiving "
              "core is saturated.", "", END]
    return "\n".join(lines)


def write_doc(section):
    with open(DOC) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(DOC, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 s runs, two UDP rates")
    ap.add_argument("--no-docs", action="store_true", help="print the tables only")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    bench = os.path.join(args.build, "bin", "sluice-bench")
    for path in (bench, os.path.join(args.build, "bin", "sluice")):
        if not os.path.exists(path):
            raise SystemExit(f"bench/sources.py: {path} is missing: cmake --build build --target sluice-relay sluice-bench")
    duration = 2.0 if args.quick else 5.0
    rates = [2000, 20000] if args.quick else [2000, 5000, 10000, 20000, 40000]
    workdir = tempfile.mkdtemp(prefix="sluice-bench-sources-")
    udp = udp_runs(args.build, bench, workdir, duration, rates)
    exe = exec_runs(args.build, bench, workdir, duration)
    tcp = tcp_runs(args.build, bench, workdir, duration)
    stall = {}
    for name, r in exec_runs(args.build, bench, workdir, 10.0, rate=1000, subscribers=10, stalled=10).items():
        stall["sluice, exec source" if name == "sluice" else name] = r
    for name, r in tcp_runs(args.build, bench, workdir, 10.0, rate=1000, subscribers=10, stalled=10).items():
        stall["sluice, tcp source" if name == "sluice" else name] = r
    section = report(udp, exe, tcp, stall, duration, args.quick)
    print(section)
    if not args.no_docs:
        write_doc(section)
    print(f"logs in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
