"""Memory measurements of a WebSocket echo server, shared by tests/memory/ and bench/memory.py.

Standard library only. Every server is started by this module with its stdout piped, is asked to
listen on 127.0.0.1 with port 0 (or a port it picks) and must print a line containing
`listening on ws://HOST:PORT/` once bound. Every process and socket started here is stopped or
closed by the caller through `Server.stop()` and `close_all()`; nothing is found by name.

Figures:
  - VmRSS (from /proc/PID/status): resident pages of one process, in KiB.
  - RssAnon (from /proc/PID/status): the anonymous part of VmRSS (heap, mappings, stacks), in
    KiB; VmRSS also counts the file-backed pages of the program's text that have been run.
  - Pss (from /proc/PID/smaps_rollup): resident pages, each shared page divided by the number of
    processes mapping it, in KiB. Summed over many processes it is what they cost together.
"""

import base64
import ctypes
import hashlib
import os
import re
import resource
import select
import signal
import socket
import struct
import subprocess
import time

SKIP = 77  # CTest SKIP_RETURN_CODE
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LISTEN_RE = re.compile(rb"listening on wss?://([^:/\s]+):(\d+)/")


class MeasureError(Exception):
    pass


# ---------------------------------------------------------------- /proc readings


def _proc_field(path, field):
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(field + b":"):
                return int(line.split()[1])
    raise MeasureError(f"{field.decode()} not found in {path}")


def vm_rss_kib(pid):
    return _proc_field(f"/proc/{pid}/status", b"VmRSS")


def rss_anon_kib(pid):
    """The private anonymous part of VmRSS (heap, mappings, stacks): what the process allocated,
    without the file-backed pages of its program text."""
    return _proc_field(f"/proc/{pid}/status", b"RssAnon")


def pss_kib(pid):
    return _proc_field(f"/proc/{pid}/smaps_rollup", b"Pss")


def sync_page_cache():
    """Writes dirty pages back. A freshly linked binary's text pages are dirty page cache until
    written back, and dirty file pages are not counted as shared the same way: sync first."""
    os.sync()


def settle(pid, seconds=0.3, tries=10):
    """Waits until VmRSS stops changing (bounded); returns the last reading."""
    last = vm_rss_kib(pid)
    for _ in range(tries):
        time.sleep(seconds)
        now = vm_rss_kib(pid)
        if now == last:
            return now
        last = now
    return last


# ---------------------------------------------------------------- fd limits


def nofile_hard():
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def raise_nofile_soft():
    """Raises this process's RLIMIT_NOFILE soft limit to the hard limit; returns it.
    Servers started afterwards inherit it unless started with their own `nofile`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------- servers


class Server:
    """One server process started from `argv` (which must make it listen on 127.0.0.1)."""

    def __init__(self, argv, nofile=None, startup_timeout=15.0, stderr=None):
        self.argv = list(argv)
        limit = None if nofile is None else int(nofile)

        def preexec():
            # If this measuring process is killed (a test timeout), its servers go too.
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            preexec_fn=preexec,
        )
        self.pid = self.proc.pid
        try:
            self.host, self.port = self._wait_listening(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        seen = b""
        while time.monotonic() < deadline and len(seen) < 65536:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk
            m = LISTEN_RE.search(seen)
            if m:
                return m.group(1).decode(), int(m.group(2))
        raise MeasureError(
            f"{self.argv[0]} did not report 'listening on ws://HOST:PORT/' "
            f"(exit status {self.proc.poll()}, printed {seen[-300:]!r})"
        )

    def rss_kib(self):
        return vm_rss_kib(self.pid)

    def pss_kib(self):
        return pss_kib(self.pid)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM to this process (by its PID), then SIGKILL if it has not exited in time.
        Returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode


def stop_all(servers):
    for s in servers:
        s.stop()


# ---------------------------------------------------------------- WebSocket clients (raw sockets)


def _upgrade_request(host, port, key):
    return (
        f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def _read_head(sock):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise MeasureError(f"connection closed during the handshake after {head!r}")
        head += chunk
        if len(head) > 16384:
            raise MeasureError("handshake response too long")
    return head


def _check_response(head, key):
    if not head.startswith(b"HTTP/1.1 101"):
        status = head.split(b"\r\n", 1)[0]
        raise MeasureError(f"upgrade refused: {status!r}")
    accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest())
    if b"sec-websocket-accept: " + accept.lower() not in head.lower():
        raise MeasureError("wrong or missing Sec-WebSocket-Accept")
    rest = head.split(b"\r\n\r\n", 1)[1]
    if rest:
        raise MeasureError(f"unexpected bytes after the 101 response: {rest[:40]!r}")


def open_ws(host, port, count, batch=200, timeout=20.0):
    """Opens `count` upgraded WebSocket connections with raw sockets (HTTP/1.1 101 checked for
    each) and returns the sockets. Connects and sends `batch` requests, then reads their answers,
    so the server sees a steady stream but never more than `batch` half-done handshakes."""
    socks = []
    try:
        while len(socks) < count:
            pending = []
            for _ in range(min(batch, count - len(socks))):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.settimeout(timeout)
                key = base64.b64encode(os.urandom(16)).decode()
                pending.append((s, key))
                s.connect((host, port))
                s.sendall(_upgrade_request(host, port, key))
            for s, key in pending:
                _check_response(_read_head(s), key)
                socks.append(s)
            pending = []
    except BaseException:
        for s, _ in pending:
            s.close()
        close_all(socks)
        raise
    return socks


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    socks.clear()


def send_frame(sock, opcode, payload):
    """Sends one masked, final frame."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    sock.sendall(head + mask + masked)


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise MeasureError("connection closed while reading a frame")
        buf += chunk
    return buf


def recv_frame(sock):
    """Reads one unmasked server frame; returns (fin, opcode, payload)."""
    b0, b1 = _recv_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", _recv_exact(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", _recv_exact(sock, 8))
    if b1 & 0x80:
        raise MeasureError("server frame is masked")
    return bool(b0 & 0x80), b0 & 0x0F, _recv_exact(sock, n)


def check_echo(sock):
    """Sends one text and one binary message and checks that each comes back unchanged, with
    its opcode (the servers measured here must be real echo servers)."""
    for opcode, payload in ((0x1, "héllo, sluice".encode()), (0x2, bytes(range(256)) * 3)):
        send_frame(sock, opcode, payload)
        fin, op, data = recv_frame(sock)
        if not fin or op != opcode or data != payload:
            raise MeasureError(f"bad echo: sent opcode {opcode}, got fin={fin} opcode={op} len={len(data)}")


# ---------------------------------------------------------------- the measurements


def idle_connection_bytes(argv, count=10000, warmup=200, nofile=None):
    """Starts a server, opens `warmup` connections, reads VmRSS, opens `count` more idle
    upgraded connections, reads VmRSS again. Returns a dict with the readings and the bytes per
    connection, (after - before) * 1024 / count."""
    server = Server(argv, nofile=nofile)
    socks = []
    try:
        socks += open_ws(server.host, server.port, warmup)
        check_echo(socks[0])
        before = settle(server.pid)
        socks += open_ws(server.host, server.port, count)
        after = settle(server.pid)
        if not server.alive():
            raise MeasureError(f"{argv[0]} exited during the measurement")
        return {
            "connections": count,
            "rss_before_kib": before,
            "rss_after_kib": after,
            "bytes_per_connection": (after - before) * 1024 / count,
        }
    finally:
        close_all(socks)
        server.stop()


def cold_idle_connection_bytes(argv, count=10000, in_flight=500, nofile=None):
    """Starts a server and reads its memory before any connection (no warm-up), opens `count`
    idle upgraded connections with at most `in_flight` handshakes in flight at a time, and reads
    it again. Returns a dict with the readings and the bytes per connection of each,
    (after - before) * 1024 / count: VmRSS, and RssAnon (VmRSS without the program text that
    the first handshake pages in, which the kernel maps in 64 KiB windows and which is shared
    by every process running the binary)."""
    server = Server(argv, nofile=nofile)
    socks = []
    try:
        rss_before = settle(server.pid)
        anon_before = rss_anon_kib(server.pid)
        socks = open_ws(server.host, server.port, count, batch=in_flight)
        rss_after = settle(server.pid)
        anon_after = rss_anon_kib(server.pid)
        if not server.alive():
            raise MeasureError(f"{argv[0]} exited during the measurement")
        return {
            "connections": count,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "anon_before_kib": anon_before,
            "anon_after_kib": anon_after,
            "bytes_per_connection": (rss_after - rss_before) * 1024 / count,
            "private_bytes_per_connection": (anon_after - anon_before) * 1024 / count,
        }
    finally:
        close_all(socks)
        server.stop()


def rss_with_nofile(argv, nofile, connections=2):
    """VmRSS (KiB) of a server started under RLIMIT_NOFILE = `nofile`, holding `connections`
    upgraded connections, one of which has echoed a text and a binary message."""
    server = Server(argv, nofile=nofile)
    socks = []
    try:
        socks = open_ws(server.host, server.port, connections)
        check_echo(socks[0])
        return settle(server.pid)
    finally:
        close_all(socks)
        server.stop()


def many_processes_pss(argv_for, processes=50, connections=2):
    """Starts `processes` servers (argv_for(i) gives each one's command line), each holding
    `connections` upgraded connections, syncs, and returns the summed Pss in KiB plus each
    process's figure. Stops every process it started by PID."""
    sync_page_cache()
    servers, socks = [], []
    try:
        for i in range(processes):
            servers.append(Server(argv_for(i)))
        for s in servers:
            socks += open_ws(s.host, s.port, connections)
        check_echo(socks[0])
        for s in servers:
            settle(s.pid, seconds=0.1, tries=5)
        sync_page_cache()
        time.sleep(0.2)
        per = [s.pss_kib() for s in servers]
        if not all(s.alive() for s in servers):
            raise MeasureError("a server exited during the measurement")
        return {"processes": processes, "total_pss_kib": sum(per), "per_process_pss_kib": per}
    finally:
        close_all(socks)
        stop_all(servers)
