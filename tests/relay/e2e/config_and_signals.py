"""The command line and the process's life: --check-config exits 0 or 2 with FILE:LINE:COLUMN
(sizes and durations with their units, api_key_file, unknown keys); a bad file refuses to
start; SIGHUP applies a new API key without dropping a connection and keeps the running
settings when the new file has errors; SIGTERM tells every subscriber 1001 and exits 0.
--demo publishes 250-byte messages, numbered without a break, 200 a second by their stamps."""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys

import websockets

from relay_harness import Relay, check, publish, run


GOOD = """
[server]
listen = "127.0.0.1:0"
threads = 2
max_connections = 10000
max_connections_per_ip = 1000
max_message_size = "1MiB"
allowed_origins = ["http://localhost:8080"]
api_key_file = "api.key"
max_total_buffered_bytes = "2GiB"
max_buffered_bytes = "512KiB"
low_watermark = "128KiB"
ping_interval = "30s"
idle_timeout = "2min"
close_timeout = "1500ms"
send_buffer_bytes = "64KiB"

[[topic]]
match = "sensors/**"
policy = "latest"
max_buffered_bytes = "256KiB"
send_buffer_bytes = "32KiB"
history = 1000
history_bytes = "1MiB"
history_age = "10min"
retain_last = true
publish = ["http", "clients"]
subscribe = "anyone"
"""

# (file, line, column, part of the message): each a single mistake.
BAD = [
    ('[server]\nmax_message_size = "1KB"\n', 2, 20, "KiB"),
    ('[server]\nidle_timeout = "30"\n', 2, 16, "unit"),
    ('[server]\nthreads = "2"\n', 2, 11, "integer"),
    ('[server]\napi_key_file = "missing.key"\n', 2, 16, "missing.key"),
    ('[[topic]]\nmatch = "a/**"\nretain = true\n', 3, 1, "retain"),
    ('[[topic]]\nmatch = "a/**"\npolicy = "fast"\n', 3, 10, "policy"),
    ('[[topic]]\nmatch = "a//b"\n', 2, 9, "empty level"),
]


def sluice(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=20)


async def main(binary):
    here = os.path.dirname(os.path.abspath(__file__))
    example = os.path.join(here, "..", "..", "..", "examples", "sluice.toml")
    r = sluice(binary, "--check-config", example)
    check(r.returncode == 0, f"examples/sluice.toml: {r.returncode} {r.stderr}")

    relay = Relay(binary, '[server]\napi_key = "one"\n')
    try:
        bad = os.path.join(relay.dir, "bad.toml")
        with open(bad, "w") as f:
            f.write('[server]\nthreads = 1\nmax_mesage_size = "1MiB"\n')
        r = sluice(binary, "--check-config", bad)
        check(r.returncode == 2, f"bad file exit {r.returncode}")
        check(re.search(re.escape(bad) + r":3:\d+: ", r.stderr), f"error line: {r.stderr!r}")
        r = sluice(binary, "--config", bad)
        check(r.returncode == 2 and bad + ":3:" in r.stderr, f"start with a bad file: {r.returncode} {r.stderr}")
        r = sluice(binary, "--threads", "0")
        check(r.returncode == 2, f"usage error exit {r.returncode}")

        # Every key of issue 11's list with units, in one valid file; then one error at a time.
        good = os.path.join(relay.dir, "good.toml")
        with open(good, "w") as f:
            f.write(GOOD)
        with open(os.path.join(relay.dir, "api.key"), "w") as f:
            f.write("from-a-file\n")
        r = sluice(binary, "--check-config", good)
        check(r.returncode == 0 and r.stdout.strip() == f"{good}: ok", f"good file: {r.returncode} {r.stderr}")
        for text, line, column, why in BAD:
            with open(bad, "w") as f:
                f.write(text)
            r = sluice(binary, "--check-config", bad)
            check(r.returncode == 2 and r.stderr.startswith(f"{bad}:{line}:{column}: ") and why in r.stderr,
                  f"{text!r}: exit {r.returncode}, {r.stderr!r}")

        others = [await websockets.connect(relay.url(path, "ws")) for path in
                  ("/topics/t?format=json", "/topics?topic=a&topic=b/**", "/topics/t", "/stats/ws")]
        async with websockets.connect(relay.url("/topics/t", "ws")) as ws:
            key = ("-H", "Authorization: Bearer one")
            check(publish(relay, "t", "a", extra=key)[0] == 200, "key one")
            relay.write_config('[server]\napi_key = "two"\n')
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("reloaded"), "reload logged")
            check(publish(relay, "t", "b", extra=key)[0] == 401, "old key refused after reload")
            check(publish(relay, "t", "c", extra=("-H", "Authorization: Bearer two"))[0] == 200, "new key")
            relay.write_config('[server]\napi_key = 7\n')
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("reload refused"), "bad reload logged")
            check(relay.config + ":2:" in relay.read_log(), "bad reload names FILE:LINE")
            check(publish(relay, "t", "d", extra=("-H", "Authorization: Bearer two"))[0] == 200,
                  "running settings kept")
            got = [await asyncio.wait_for(ws.recv(), 10) for _ in range(3)]
            check(got == ["a", "c", "d"], f"the connection lived through the reloads: {got}")
            relay.signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(ws.recv(), 10)
                raise AssertionError("expected a close")
            except websockets.exceptions.ConnectionClosed as e:
                check(e.rcvd is not None and e.rcvd.code == 1001, f"close code {e.rcvd}")
            for other in others:
                await asyncio.wait_for(other.wait_closed(), 10)
                check(other.close_code == 1001, f"every subscriber gets 1001: {other.close_code}")
        check(relay.proc.wait(timeout=15) == 0, f"exit status {relay.proc.returncode}")
    finally:
        relay.stop()

    demo = Relay(binary, None, ["--demo"])
    try:
        async with websockets.connect(demo.url("/topics/demo", "ws")) as ws:
            counters, stamps = [], []
            for _ in range(400):
                m = await asyncio.wait_for(ws.recv(), 10)
                check(isinstance(m, str) and len(m) == 250, f"demo message {len(m)} bytes")
                counters.append(json.loads(m)["counter"])
                stamps.append(json.loads(m)["time"])
            check(counters == list(range(counters[0], counters[0] + 400)), "demo counters without a break")
            # The stamps are the generator's own clock: 399 intervals of 5 ms make about 2 s.
            # A busy machine delays delivery, not the stamps (the generator catches up on time).
            span = (stamps[-1] - stamps[0]) / 1000
            check(1.0 <= span <= 4.0, f"200 messages/s by the stamps: 400 span {span:.2f} s")
    finally:
        demo.stop()


run(main)
