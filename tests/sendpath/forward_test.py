#!/usr/bin/python3
"""sluice-forward end to end, with python3-websockets as the clients.

usage: forward_test.py PATH_TO_SLUICE_FORWARD (udp|stdin|signals)

udp:     1,000 datagrams sent to --udp arrive at 3 clients, each exactly once and in order.
stdin:   5 MB piped through --stdin --policy backpressure reach a slow client intact (sha256).
signals: SIGUSR1 prints a counters line on stderr; SIGTERM exits 0 and prints the counters.
Every wait is bounded; the forwarder is always stopped by the PID this script started.
"""
import asyncio
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import websockets

TIMEOUT = 30.0
COUNTERS = re.compile(r"^sluice-forward: connections_open=(\d+) .*messages_sent=(\d+) bytes_sent=(\d+)")


class Forwarder:
    """Runs sluice-forward and collects its stderr lines on a thread."""

    def __init__(self, binary, args, stdin=None):
        self.proc = subprocess.Popen([binary, "--port", "0", "--log-level", "warn"] + args, stdin=stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()
        line = self.proc.stdout.readline()  # "sluice-forward listening on ws://127.0.0.1:PORT/ ..."
        m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.kill()
            raise SystemExit("no listening line from sluice-forward: %r" % line)
        self.port = int(m.group(1))

    def _collect(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def counters_lines(self):
        with self.lock:
            return [l for l in self.lines if COUNTERS.match(l)]

    def wait_for_counters(self, n):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if len(self.counters_lines()) >= n:
                return True
            time.sleep(0.02)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise SystemExit("sluice-forward did not exit after SIGTERM")
        finally:
            self.reader.join(timeout=5)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def udp_case(binary):
    udp_port = free_udp_port()
    fwd = Forwarder(binary, ["--udp", str(udp_port), "--policy", "close"])
    try:
        url = "ws://127.0.0.1:%d/" % fwd.port
        clients = [await asyncio.wait_for(websockets.connect(url, max_queue=None), TIMEOUT) for _ in range(3)]
        received = [[] for _ in clients]

        async def reader(i, ws):
            while len(received[i]) < 1000:
                received[i].append(await ws.recv())

        readers = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(clients)]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Bounded flow control: at most 50 datagrams in flight, so no loopback buffer overflows.
        for n in range(1000):
            sock.sendto(b"%08d:" % n + bytes(range(n % 200)), ("127.0.0.1", udp_port))
            if n % 50 == 49:
                deadline = time.monotonic() + TIMEOUT
                while min(len(r) for r in received) < n + 1:
                    if time.monotonic() > deadline:
                        raise SystemExit("datagrams did not arrive: %s" % [len(r) for r in received])
                    await asyncio.sleep(0.005)
        await asyncio.wait_for(asyncio.gather(*readers), TIMEOUT)
        for i, r in enumerate(received):
            expected = [b"%08d:" % n + bytes(range(n % 200)) for n in range(1000)]
            assert r == expected, "client %d: %d messages, first mismatch at %s" % (
                i, len(r), next((k for k in range(min(len(r), 1000)) if r[k] != expected[k]), None))
        for ws in clients:
            await ws.close()
        sock.close()
    finally:
        rc = fwd.stop()
    assert rc == 0, "exit code %d" % rc
    print("udp: 1000 datagrams reached 3 clients in order")


async def stdin_case(binary):
    size = 5 * 1000 * 1000
    data = bytes((i * 7 + (i >> 9)) & 0xFF for i in range(size))
    fwd = Forwarder(binary, ["--stdin", "--policy", "backpressure", "--max-buffered-bytes", "65536"],
                    stdin=subprocess.PIPE)

    def feed():
        try:
            fwd.proc.stdin.buffer.write(data)  # text-mode pipe: write the bytes underneath
            fwd.proc.stdin.close()
        except BrokenPipeError:
            pass

    try:
        url = "ws://127.0.0.1:%d/" % fwd.port
        # A slow client: a one-message queue in the library and a pause after every message.
        ws = await asyncio.wait_for(websockets.connect(url, max_queue=1, max_size=None), TIMEOUT)
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        h = hashlib.sha256()
        got = 0
        messages = 0
        while got < size:
            chunk = await asyncio.wait_for(ws.recv(), TIMEOUT)
            h.update(chunk)
            got += len(chunk)
            messages += 1
            if messages % 4 == 0:
                await asyncio.sleep(0.001)
        assert got == size, "received %d bytes, expected %d" % (got, size)
        assert h.hexdigest() == hashlib.sha256(data).hexdigest(), "the stream arrived corrupted"
        writer.join(timeout=TIMEOUT)
        await ws.close()
    finally:
        rc = fwd.stop()
    assert rc == 0, "exit code %d" % rc
    last = fwd.counters_lines()[-1]
    assert "messages_dropped=0" in last and "sends_refused=0" in last, last
    print("stdin: %d bytes in %d messages reached a slow client intact; %s" % (size, messages, last))


async def signals_case(binary):
    fwd = Forwarder(binary, ["--udp", str(free_udp_port())])
    try:
        ws = await asyncio.wait_for(websockets.connect("ws://127.0.0.1:%d/" % fwd.port), TIMEOUT)
        fwd.proc.send_signal(signal.SIGUSR1)
        assert fwd.wait_for_counters(1), "no counters line after SIGUSR1: %s" % fwd.lines
        m = COUNTERS.match(fwd.counters_lines()[0])
        assert m.group(1) == "1", fwd.counters_lines()[0]
        assert fwd.proc.poll() is None, "SIGUSR1 ended the process"
        await ws.close()
    finally:
        rc = fwd.stop()
    assert rc == 0, "SIGTERM: exit code %d" % rc
    assert len(fwd.counters_lines()) >= 2, "no counters at exit: %s" % fwd.lines
    print("signals: SIGUSR1 and exit counters printed; SIGTERM exit 0")


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("udp", "stdin", "signals"):
        raise SystemExit(__doc__)
    binary, case = sys.argv[1], sys.argv[2]
    coro = {"udp": udp_case, "stdin": stdin_case, "signals": signals_case}[case](binary)
    asyncio.run(asyncio.wait_for(coro, 120))


if __name__ == "__main__":
    main()
