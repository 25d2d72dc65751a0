#!/usr/bin/python3
"""User-space instructions per echoed message of sluice-echo over wss:// against ws:// (and with
--compression, ws:// with permessage-deflate), counted by callgrind (issue 14 item 2).

For each row, sluice-echo runs under `valgrind --tool=callgrind` twice, against one client that
sends N messages of SIZE bytes one at a time and waits for each echo: N = SMALL, then N = LARGE.
The server is stopped with SIGTERM and callgrind's total Ir of each run is read; the figure is
(Ir(LARGE) - Ir(SMALL)) / (LARGE - SMALL), so the handshake, startup and exit cancel out. The
client is Python's ssl module or a raw socket (with the `websockets` frame code for deflate), so
only the server is counted. The TLS cipher is whatever OpenSSL and Python agree (TLS 1.3,
AES-256-GCM on this machine), on a P-256 certificate from a throwaway CA.

Usage (from the repository's root, after a build):
  /usr/bin/python3 bench/tls_instructions.py --bin build/bin [--small 2000] [--large 6000]
"""

import argparse
import base64
import glob
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import memlib  # noqa: E402
import tls_memory  # noqa: E402


def run_once(argv, n, size, context, out_dir, tag):
    out = os.path.join(out_dir, f"callgrind.{tag}.%p")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    m = re.search(r"listening on wss?://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"no listening line: {line!r}")
    port = int(m.group(1))
    raw = socket.create_connection(("127.0.0.1", port), timeout=120)
    s = context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(memlib._upgrade_request("127.0.0.1", port, key))
    memlib._check_response(memlib._read_head(s), key)
    payload = (b'{"sensor":"t1","value":21.5,"unit":"C"}' * (size // 40 + 1))[:size]
    for _ in range(n):
        memlib.send_frame(s, 0x1, payload)
        fin, op, data = memlib.recv_frame(s)
        if data != payload:
            raise SystemExit("bad echo")
    s.close()
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(120)
    total = 0
    for f in glob.glob(os.path.join(out_dir, f"callgrind.{tag}.*")):
        with open(f) as fh:
            for l in fh:
                if l.startswith("summary:") or l.startswith("totals:"):
                    total = max(total, int(l.split()[1]))
                    break
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="build/bin")
    p.add_argument("--small", type=int, default=2000)
    p.add_argument("--large", type=int, default=6000)
    a = p.parse_args()
    echo = os.path.join(a.bin, "sluice-echo")
    base = [echo, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"]
    with tempfile.TemporaryDirectory() as d:
        ca, cert, key = tls_memory.make_pki(d)
        context = ssl.create_default_context(cafile=ca)
        rows = [("ws://", base, None), ("wss://", base + ["--tls-cert", cert, "--tls-key", key], context)]
        print("| sluice-echo | 20 B: Ir per echo | 1 KiB: Ir per echo |")
        print("|---|---:|---:|")
        for label, argv, ctx in rows:
            figures = []
            for size in (20, 1024):
                small = run_once(argv, a.small, size, ctx, d, f"{len(figures)}{label[:3]}s")
                large = run_once(argv, a.large, size, ctx, d, f"{len(figures)}{label[:3]}l")
                figures.append((large - small) / (a.large - a.small))
            print(f"| {label} | {figures[0]:,.0f} | {figures[1]:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
