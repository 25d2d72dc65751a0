"""Helpers for the relay's source tests: the relay harness of ../e2e, plus GET /sources, waiting
for a source's state, the process's resident memory, and the device-side framings (SLIP, len16)
that the tests' stand-in devices write. Every wait is bounded."""
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from relay_harness import Relay, check, curl, free_port, publish, recv_exact, run  # noqa: E402,F401


class PipedRelay(Relay):
    """The relay with a pipe on its standard input, for a stdin source: write to self.stdin."""

    def __init__(self, binary, config_text):  # noqa: super().__init__ would start it without the pipe
        self.binary = binary
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sluice-stdin-")
        self.config = os.path.join(self.dir, "sluice.toml")
        self.write_config(config_text)
        self.log_path = os.path.join(self.dir, "relay.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{self.port}", "--log-level", "info",
                                      "--config", self.config], stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.stdin = self.proc.stdin
        self.wait_ready()

SLIP_END, SLIP_ESC, SLIP_ESC_END, SLIP_ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD


def slip(payload):
    out = bytearray([SLIP_END])
    for b in payload:
        if b == SLIP_END:
            out += bytes([SLIP_ESC, SLIP_ESC_END])
        elif b == SLIP_ESC:
            out += bytes([SLIP_ESC, SLIP_ESC_ESC])
        else:
            out.append(b)
    out.append(SLIP_END)
    return bytes(out)


def len16(payload):
    return len(payload).to_bytes(2, "big") + payload


def sources(relay):
    """GET /sources, as a dict by source name."""
    status, body = curl(relay.url("/sources"))
    check(status == 200, f"GET /sources answered {status}")
    return {s["name"]: s for s in json.loads(body)["sources"]}


def wait_source(relay, name, predicate, what, timeout=20):
    """Polls GET /sources until `predicate(status)` holds; returns that status."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = sources(relay).get(name)
        if last is not None and predicate(last):
            return last
        time.sleep(0.05)
    raise AssertionError(f"source {name}: {what} did not happen; last status {last}")


async def await_source(relay, name, predicate, what, timeout=20):
    return await asyncio.get_running_loop().run_in_executor(None, wait_source, relay, name, predicate, what,
                                                            timeout)


def rss_bounds_apply():
    """Whether resident-memory bounds are checked: not in a sanitizer build, whose allocator keeps
    freed memory in quarantine (CMake sets SLUICE_SANITIZED there)."""
    return os.environ.get("SLUICE_SANITIZED") != "1"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")
