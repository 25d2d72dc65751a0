"""Hostile peers against a WebSocket echo server, each measured by the server's RSS before, at
its peak and after the peers left; shared by bench/hostile (the table in docs/benchmarks.md)
and tests/memory/hostile_peers.py (which asserts the bounds).

Standard library only, raw sockets. Every attack is bounded in bytes and in time and stops by
itself; every socket it opens is closed before it returns, and the server it measures is started
and stopped by the caller (bench/memlib.py's Server). While an attack runs, a healthy client
echoes a small message every 100 ms, so the table also says whether anyone else was still
served.

Attacks (as in the hostile-peer report that found them):
  tiny_frames   peers send masked 1-byte text frames as fast as the socket takes them and never
                read (SO_RCVBUF 4096)
  big_messages  peers each send one large binary message and never read
  ping_flood    one peer sends 125-byte pings in bursts of 256 and never reads
  fragments     peers each send fragments of one binary message that never ends
  bad_utf8      peers each send one large text message whose last byte is not UTF-8
  bad_handshakes  handshakes without Sec-WebSocket-Key, one after another, from two threads,
                while the server's stderr is a pipe nobody reads
  silent        many TCP connections that send nothing, then a fresh client
"""

import base64
import os
import select
import socket
import struct
import threading
import time

import memlib

MiB = 1024 * 1024
# What run_attack reports for every attack; the rest of its result is the attack's own.
RESULT_KEYS = {"attack", "before_kib", "peak_kib", "after_kib", "after_seconds", "healthy_ok", "healthy_failed", "alive"}
ZERO_MASK = b"\x00\x00\x00\x00"  # masked frames whose payload needs no XOR: fast to build


def frame(opcode, payload, fin=True):
    """One masked client frame with an all-zero key (valid, and cheap for large payloads)."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", b0, 0x80 | 127, n)
    return head + ZERO_MASK + payload


def connect_ws(host, port, rcvbuf=None, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(memlib._upgrade_request(host, port, key))
    memlib._check_response(memlib._read_head(s), key)
    return s


class RssSampler:
    """Samples a process's VmRSS every 20 ms on a thread; keeps the peak."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = memlib.vm_rss_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, memlib.vm_rss_kib(self.pid))
            except (OSError, memlib.MeasureError):
                return
            self._stop.wait(0.02)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak


class Healthy:
    """A well-behaved client: echoes a 20-byte message every 100 ms on a thread and counts the
    replies that came within 5 s and those that did not."""

    def __init__(self, host, port):
        self.sock = connect_ws(host, port)
        self.ok = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        self.sock.settimeout(5.0)
        while not self._stop.is_set():
            try:
                memlib.send_frame(self.sock, 0x1, b"healthy client ping!")
                _, op, data = memlib.recv_frame(self.sock)
                if op == 0x1 and data == b"healthy client ping!":
                    self.ok += 1
                else:
                    self.failed += 1
            except (OSError, memlib.MeasureError):
                self.failed += 1
                return
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)
        self.sock.close()
        return self.ok, self.failed


def _flood(socks, data, seconds, quiet=1.0):
    """Writes `data` over and over to every socket, as fast as each takes it, for `seconds` or
    until none took a byte for `quiet` seconds (the server stopped reading them all)."""
    for s in socks:
        s.setblocking(False)
    offsets = [0] * len(socks)
    sent = 0
    deadline = time.monotonic() + seconds
    last_progress = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_progress < quiet:
        _, writable, _ = select.select([], socks, [], 0.05)
        for s in writable:
            i = socks.index(s)
            try:
                n = s.send(data[offsets[i]:])
            except BlockingIOError:
                continue
            except OSError:
                socks.remove(s)
                offsets.pop(i)
                continue
            offsets[i] = (offsets[i] + n) % len(data)
            sent += n
            last_progress = time.monotonic()
        if not socks:
            break
    return sent


def _send_each(socks, payload_for, timeout):
    """Sends payload_for(i) on socket i from one thread per socket (blocking, bounded)."""
    results = [0] * len(socks)

    def send(i, s):
        s.settimeout(timeout)
        try:
            s.sendall(payload_for(i))
            results[i] = 1
        except OSError:
            pass

    threads = [threading.Thread(target=send, args=(i, s), daemon=True) for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    return sum(results)


def _close_frames(socks, timeout=2.0):
    """Close codes the server sent the peers (read after the attack), None where it sent none."""
    codes = []
    for s in socks:
        code = None
        try:
            s.setblocking(True)
            s.settimeout(timeout)
            while True:
                _, op, data = memlib.recv_frame(s)
                if op == 0x8:
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    break
        except (OSError, memlib.MeasureError):
            pass
        codes.append(code)
    return codes


def settle_back(server, baseline_kib, within_kib, timeout=8.0):
    """Waits (bounded) until the server's RSS is within `within_kib` of `baseline_kib`; returns
    (rss_kib, seconds waited)."""
    t0 = time.monotonic()
    rss = server.rss_kib()
    while rss > baseline_kib + within_kib and time.monotonic() - t0 < timeout:
        time.sleep(0.1)
        rss = server.rss_kib()
    return rss, time.monotonic() - t0


def warm_up(server, connections=8):
    """Touches what the server allocates once per thread and keeps (each loop's read buffer,
    its iovec array, its frame pool), so that the baseline does not count it as attack growth."""
    socks = [connect_ws(server.host, server.port) for _ in range(connections)]
    try:
        for s in socks:
            for size in (100, 70000, 2000):
                memlib.send_frame(s, 0x2, bytes(size))
                memlib.recv_frame(s)
    finally:
        memlib.close_all(socks)
    time.sleep(0.3)


def run_attack(server, name, attack, settle_within_kib=4096):
    """Measures one attack: RSS before (after a warm-up), the peak while it runs, and after its
    peers left; and how the healthy client fared."""
    warm_up(server)
    before = memlib.settle(server.pid)
    healthy = Healthy(server.host, server.port)
    sampler = RssSampler(server.pid)
    peers, notes = attack(server)
    peak = sampler.stop()
    ok, failed = healthy.stop()
    if peers:
        if "close_codes" not in notes:
            notes["close_codes"] = _close_frames(peers)
        memlib.close_all(peers)
    after, waited = settle_back(server, before, settle_within_kib)
    return {
        "attack": name,
        "before_kib": before,
        "peak_kib": peak,
        "after_kib": after,
        "after_seconds": round(waited, 1),
        "healthy_ok": ok,
        "healthy_failed": failed,
        "alive": server.alive(),
        **notes,
    }


# ---------------------------------------------------------------- the attacks


def tiny_frames(peers=1, seconds=8.0):
    def attack(server):
        socks = [connect_ws(server.host, server.port, rcvbuf=4096) for _ in range(peers)]
        sent = _flood(list(socks), frame(0x1, b"a") * 8192, seconds)
        # Not read back: megabytes of 3-byte echoes wait in front of any close frame.
        return socks, {"sent_bytes": sent, "close_codes": "not read"}

    return attack


def big_messages(peers=150, size=16 * MiB - 1024, timeout=30.0):
    def attack(server):
        socks = [connect_ws(server.host, server.port, rcvbuf=4096) for _ in range(peers)]
        message = frame(0x2, bytes(size))
        sent = _send_each(socks, lambda i: message, timeout)
        time.sleep(0.5)
        return socks, {"messages_sent": sent}

    return attack


def ping_flood(seconds=3.0):
    def attack(server):
        s = connect_ws(server.host, server.port, rcvbuf=4096)
        burst = frame(0x9, bytes(125)) * 256
        sent = _flood([s], burst, seconds, quiet=seconds)
        return [s], {"sent_bytes": sent}

    return attack


def fragments(peers=20, count=14, size=1 * MiB, timeout=30.0):
    def attack(server):
        socks = [connect_ws(server.host, server.port) for _ in range(peers)]
        chunk = bytes(size)

        def payload(i):
            return frame(0x2, chunk, fin=False) + b"".join(frame(0x0, chunk, fin=False) for _ in range(count - 1))

        sent = _send_each(socks, payload, timeout)
        time.sleep(0.5)
        return socks, {"peers_done": sent}

    return attack


def bad_utf8(peers=20, size=16 * MiB - 1024, timeout=30.0):
    def attack(server):
        socks = [connect_ws(server.host, server.port) for _ in range(peers)]
        message = frame(0x1, b"a" * (size - 1) + b"\xff")
        sent = _send_each(socks, lambda i: message, timeout)
        time.sleep(0.5)
        return socks, {"peers_done": sent}

    return attack


def bad_handshakes(count=2000, threads=2, timeout=5.0, seconds=30.0):
    """`seconds` bounds the whole attack: a server whose log blocks answers none, and the
    handshakes not tried by then count as unanswered."""

    def attack(server):
        request = (
            f"GET / HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        answered = [0] * threads
        unanswered = [0] * threads

        deadline = time.monotonic() + seconds

        def run(t):
            for _ in range(count // threads):
                if time.monotonic() > deadline:
                    unanswered[t] += 1
                    continue
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.settimeout(timeout)
                try:
                    s.connect((server.host, server.port))
                    s.sendall(request)
                    if s.recv(64).startswith(b"HTTP/1.1 400"):
                        answered[t] += 1
                    else:
                        unanswered[t] += 1
                except OSError:
                    unanswered[t] += 1
                finally:
                    s.close()

        workers = [threading.Thread(target=run, args=(t,), daemon=True) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(seconds + 2 * timeout)
        return [], {"answered_400": sum(answered), "unanswered": sum(unanswered)}

    return attack


def silent(count=1500, timeout=20.0):
    """Run against a server started with a low RLIMIT_NOFILE. `fresh_served`: whether a new
    client completed a handshake and an echo while the silent connections were held."""

    def attack(server):
        memlib.raise_nofile_soft()
        socks = []
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((server.host, server.port))
            except BlockingIOError:
                pass
            socks.append(s)
        time.sleep(0.5)
        t0 = time.monotonic()
        served = False
        while not served and time.monotonic() - t0 < timeout:
            try:
                fresh = connect_ws(server.host, server.port, timeout=5.0)
                memlib.check_echo(fresh)
                fresh.close()
                served = True
            except (OSError, memlib.MeasureError):
                time.sleep(0.2)
        return socks, {"fresh_served": served, "fresh_seconds": round(time.monotonic() - t0, 1), "close_codes": []}

    return attack
