"""The command line and the process's life: --check-config exits 0 or 2 with FILE:LINE:COLUMN;
a bad file refuses to start; SIGHUP applies a new API key without dropping a connection and
keeps the running settings when the new file has errors; SIGTERM tells subscribers 1001 and
exits 0. --demo publishes 250-byte messages, numbered without a break."""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys

import websockets

from relay_harness import Relay, check, publish, run


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
        check(relay.proc.wait(timeout=15) == 0, f"exit status {relay.proc.returncode}")
    finally:
        relay.stop()

    demo = Relay(binary, None, ["--demo"])
    try:
        async with websockets.connect(demo.url("/topics/demo", "ws")) as ws:
            counters = []
            for _ in range(100):
                m = await asyncio.wait_for(ws.recv(), 10)
                check(isinstance(m, str) and len(m) == 250, f"demo message {len(m)} bytes")
                counters.append(json.loads(m)["counter"])
            check(counters == list(range(counters[0], counters[0] + 100)), "demo counters without a break")
    finally:
        demo.stop()


run(main)
