"""Relays behind a real Redis, end to end: starts Debian's redis-server on a free loopback port
in a temporary directory (no persistence unless asked), relays configured with [broker], and
envelope subscribers that record everything they receive. Every process started here is
stopped by its PID. Assertions are about order, counts and status codes, never speed."""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from relay_harness import Relay, check, curl, free_port, publish, run  # noqa: E402,F401

import websockets  # noqa: E402

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"

# Short deadlines, so that failures are found within a few seconds; a busy machine answers a
# local Redis far within them.
BROKER_SETTINGS = """
connect_timeout = "1s"
command_timeout = "1s"
probe_interval = "250ms"
reconnect_min = "50ms"
reconnect_max = "500ms"
"""


class Redis:
    def __init__(self, persistent=False):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sluice-redis-")
        self.persistent = persistent
        self.proc = None
        self.start()

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--logfile", "redis.log"]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 20
        while time.time() < end:
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def cli(self, *args):
        out = subprocess.run([REDIS_CLI, "-p", str(self.port), *args], capture_output=True, timeout=10)
        return out.stdout.decode().strip()

    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def wait_subscribed(self, topic=None, relays=1, timeout=20):
        """Until `relays` connections subscribe in Redis to TOPIC's channel, or with topic None,
        to a pattern: a relay subscribes in Redis a little after its client subscribed, and what
        is published before that is not delivered live."""
        end = time.time() + timeout
        while time.time() < end:
            if topic is not None:
                out = self.cli("PUBSUB", "NUMSUB", f"sluice:msg:{topic}").split()
                count = int(out[1]) if len(out) == 2 else 0
            else:
                clients = self.cli("CLIENT", "LIST", "TYPE", "pubsub").splitlines()
                count = sum(1 for c in clients if " psub=0 " not in f" {c} ")
            if count >= relays:
                return
            time.sleep(0.02)
        raise AssertionError(f"{relays} relay(s) did not subscribe to {topic or 'a pattern'} in Redis within {timeout} s")

    def kill(self):
        """Ends it at once (SIGKILL): whatever it held in memory is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)  # accepts TCP (the kernel does), answers nothing

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def broker_config(urls, extra_topic=""):
    url = json.dumps(urls if len(urls) > 1 else urls[0])
    return f"""
[broker]
type = "redis"
url = {url}
{BROKER_SETTINGS}

[[topic]]
match = "**"
history = 1000
publish = ["http", "clients"]
{extra_topic}
"""


def start_relays(binary, redis_urls, count, extra_topic=""):
    relays = [Relay(binary, broker_config(redis_urls, extra_topic)) for _ in range(count)]
    for r in relays:
        wait_ready(r)
    return relays


def stop_all(relays, redises):
    """Stops the relays (SIGTERM), then Redis; for a test's `finally`."""
    for r in relays:
        r.stop()
    for s in redises:
        s.stop()


def check_clean_exits(relays):
    """Each relay drained and exited 0 when it was stopped."""
    for r in relays:
        check(r.proc.returncode == 0, f"relay exit code {r.proc.returncode}")


def readyz(relay):
    return curl(relay.url("/readyz"))[0]


def wait_ready(relay, want=200, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if readyz(relay) == want:
            return
        time.sleep(0.05)
    raise AssertionError(f"/readyz did not answer {want} within {timeout} s: {relay.read_log()[-2000:]}")


class Subscriber:
    """An envelope subscriber that records every frame it receives, in order."""

    def __init__(self, relay, path):
        self.relay = relay
        self.path = path
        self.frames = []
        self.closed = None
        self.task = None
        self.opened = asyncio.Event()

    async def start(self):
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.opened.wait(), 20)
        return self

    async def _run(self):
        try:
            async with websockets.connect(self.relay.url(self.path, "ws"), open_timeout=20,
                                          max_size=None) as ws:
                self.ws = ws
                self.opened.set()
                async for frame in ws:
                    self.frames.append(json.loads(frame))
        except websockets.exceptions.ConnectionClosed as e:
            self.closed = e.code
        finally:
            self.opened.set()

    async def stop(self):
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass

    def messages(self, topic=None):
        return [f for f in self.frames if "seq" in f and (topic is None or f["topic"] == topic)]

    def notices(self, kind):
        return [f for f in self.frames if kind in f]

    def epoch(self):
        epochs = self.notices("subscribed")
        return epochs[-1]["subscribed"]["epoch"] if epochs else ""

    async def wait_for(self, predicate, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if predicate(self):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{what}: got {self.frames[-20:]}")


def seqs(messages):
    return [m["seq"] for m in messages]


def check_no_duplicates(sub, what):
    """Within one epoch, every sequence of a topic arrives at most once, in increasing order."""
    last = {}
    for f in sub.frames:
        if "reset" in f:
            last[f["topic"]] = 0
        if "seq" not in f:
            continue
        prev = last.get(f["topic"], 0)
        check(f["seq"] > prev, f"{what}: {f['topic']} seq {f['seq']} after {prev} (duplicate or out of order)")
        last[f["topic"]] = f["seq"]
