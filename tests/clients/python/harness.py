"""Harness for the python3-websockets interop tests: starts sluice-echo, runs checks, stops it.

Each test script calls run(checks): it starts nothing itself but gets the sluice-echo path from
argv[1], bounds the whole script with SIGALRM, prints "ok NAME" per check, and on any failure
prints the failing check, the servers' stderr, stops them by PID and exits 1.
"""
import asyncio
import ctypes
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HARD_TIMEOUT_S = 60  # the whole script; CTest's TIMEOUT is larger so this message wins
WAIT_S = 10  # one receive, connect or close
BIG_WAIT_S = 30  # one 16 MiB round trip

_servers = []


def _die_with_parent():
    # A server outliving a killed test would hold its port and memory: PR_SET_PDEATHSIG = 1.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class Server:
    """One sluice-echo on 127.0.0.1 and a free port, stderr kept for failure reports (url is
    wss:// when it was given --tls-cert)."""

    def __init__(self, *args):
        self.args = args
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.argv[1], "--host", "127.0.0.1", "--port", "0", "--log-level", "warn", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.stderr,
            preexec_fn=_die_with_parent)
        _servers.append(self)
        line = self._read_listening_line()
        m = re.fullmatch(r"sluice-echo listening on (wss?)://127\.0\.0\.1:(\d+)/\n", line)
        if not m:
            raise AssertionError(f"sluice-echo printed {line!r}, not its listening line")
        self.port = int(m.group(2))
        self.url = f"{m.group(1)}://127.0.0.1:{self.port}/"

    def _read_listening_line(self):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + WAIT_S
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"sluice-echo did not print its listening line within {WAIT_S} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"sluice-echo exited before listening (status {self.proc.wait(5)})")
            data += chunk
        return data.decode()

    def signal(self, signo):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signo)

    def wait_exit(self, timeout):
        """The exit status, or an AssertionError if the process is still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"sluice-echo (pid {self.proc.pid}) still running {timeout} s after SIGTERM")

    def stop(self):
        """SIGTERM, then the exit status, which must be 0."""
        self.signal(signal.SIGTERM)
        status = self.wait_exit(10)
        if status != 0:
            raise AssertionError(f"sluice-echo exited with status {status} after SIGTERM")

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")


def _report_servers():
    for s in _servers:
        s.kill()
        text = s.stderr_text()
        args = " ".join(s.args)
        print(f"--- sluice-echo {args} (pid {s.proc.pid}, status {s.proc.returncode}) stderr:", file=sys.stderr)
        print(text if text else "(empty)", file=sys.stderr)


def _on_alarm(signo, frame):
    print(f"FAIL: {os.path.basename(sys.argv[0])} did not finish within {HARD_TIMEOUT_S} s; stack:",
          file=sys.stderr)
    traceback.print_stack(frame, file=sys.stderr)
    _report_servers()
    os._exit(1)


def run(checks):
    """Runs each `async def check()` in order; each starts and stops its own servers."""
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} PATH_TO_SLUICE_ECHO", file=sys.stderr)
        sys.exit(2)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(HARD_TIMEOUT_S)
    for check in checks:
        try:
            asyncio.run(check())
            for s in _servers:
                s.stop()
        except BaseException as e:
            print(f"FAIL {check.__name__}: {type(e).__name__}: {e}", file=sys.stderr)
            traceback.print_exc()
            _report_servers()
            sys.exit(1)
        _servers.clear()
        print(f"ok {check.__name__}", flush=True)
    signal.alarm(0)
    print(f"{len(checks)} checks passed")


async def within(awaitable, seconds=WAIT_S, what="a reply"):
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        raise AssertionError(f"no {what} within {seconds} s") from None


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def text_of_size(n):
    """A str whose UTF-8 encoding is exactly n bytes, with 1-, 2-, 3- and 4-byte characters."""
    unit = "aé€😀"  # 1 + 2 + 3 + 4 bytes
    s = unit * (n // 10)
    return s + "a" * (n - len(s.encode()))


# Raw sockets, for what the websockets client refuses to send (invalid UTF-8, split characters).

RAW_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def raw_upgrade(port, extra_headers=""):
    """A handshaken socket and the response head (bytes before the blank line)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {RAW_KEY}\r\n"
               f"Sec-WebSocket-Version: 13\r\n{extra_headers}\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        expect(chunk, f"connection closed during the handshake; got {data!r}")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    expect(head.startswith(b"HTTP/1.1 101 "), f"handshake not accepted: {head!r}")
    expect(rest == b"", f"bytes after the 101 response: {rest!r}")
    return s, head


def masked_frame(opcode, payload, fin=True):
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    if n < 126:
        length = bytes([0x80 | n])
    elif n < 65536:
        length = bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        length = bytes([0x80 | 127]) + n.to_bytes(8, "big")
    return bytes([(0x80 if fin else 0) | opcode]) + length + key + body


class RawReader:
    """Reads the server's (unmasked) frames from a raw socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            expect(chunk, f"connection closed; wanted {n} bytes, have {self.buf!r}")
            self.buf += chunk

    def frame(self):
        """(fin, opcode, payload) of the next frame."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        expect(b1 & 0x80 == 0, "server frame is masked")
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, at = int.from_bytes(self.buf[2:4], "big"), 4
        elif n == 127:
            self._need(10)
            n, at = int.from_bytes(self.buf[2:10], "big"), 10
        self._need(at + n)
        payload = self.buf[at:at + n]
        self.buf = self.buf[at + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def close_code(self):
        fin, opcode, payload = self.frame()
        expect(opcode == 0x8, f"expected a close frame, got opcode {opcode:#x} payload {payload[:60]!r}")
        expect(len(payload) >= 2, f"close frame without a code: {payload!r}")
        return int.from_bytes(payload[:2], "big")

    def at_eof(self):
        """True once the server has closed the TCP connection (and sent nothing more)."""
        rest = self.sock.recv(4096)
        expect(rest == b"", f"bytes after the close frame: {rest!r}")
        return True
