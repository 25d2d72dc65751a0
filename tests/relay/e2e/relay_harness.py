"""The relay end to end: starts build/bin/sluice on a free loopback port with a given
configuration, waits until it answers, and stops it by its PID. Clients are independent:
python3-websockets for WebSocket, curl for HTTP."""
import asyncio
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import websockets

DEADLINE_S = 100  # every script ends by itself, before ctest's 120 s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    def __init__(self, binary, config_text=None, args=(), env=None):
        self.binary = binary
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sluice-e2e-")
        self.config = None
        if config_text is not None:
            self.config = os.path.join(self.dir, "sluice.toml")
            self.write_config(config_text)
        cmd = [binary, "--listen", f"127.0.0.1:{self.port}", "--log-level", "info", *args]
        if self.config:
            cmd += ["--config", self.config]
        self.log_path = os.path.join(self.dir, "relay.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=None if env is None else {**os.environ, **env})
        self.wait_ready()

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def wait_ready(self):
        end = time.time() + 20
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"relay exited with {self.proc.returncode}: {self.read_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("relay did not start listening")

    def read_log(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, text, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.read_log():
                return True
            time.sleep(0.05)
        return False

    def url(self, path, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self):
        stop_process(self.proc)
        self.log.close()
        return self.proc.returncode


def stop_process(proc, timeout=15):
    """SIGTERM to a child this test started (by its PID), then SIGKILL if it does not exit."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def curl(*args, data=None):
    """Runs curl; returns (status, body). `data` goes in as the request body from stdin."""
    cmd = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", *args]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    out = subprocess.run(cmd, input=data if isinstance(data, bytes) else (data or "").encode(),
                         capture_output=True, timeout=20).stdout
    body, _, code = out.rpartition(b"\n")
    return int(code), body


def get(relay, path):
    """GET over a fresh connection; returns (status, body as text)."""
    try:
        with urllib.request.urlopen(relay.url(path), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def stats(relay):
    status, body = get(relay, "/stats")
    check(status == 200, f"/stats answered {status}")
    return json.loads(body)


def stalled_subscriber(relay, path):
    """A raw socket with a small receive buffer that completes the WebSocket handshake for
    `path` and never reads again. The caller closes it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", relay.port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        byte = s.recv(1)
        check(byte, f"the handshake for {path} was cut")
        head += byte
    check(head.startswith(b"HTTP/1.1 101"), f"stalled subscriber's handshake: {head!r}")
    return s


def publish(relay, topic, data, content_type="text/plain", extra=()):
    return curl("-X", "POST", "-H", f"Content-Type: {content_type}", *extra, relay.url(f"/topics/{topic}"),
                data=data)


def publish_many(relay, topic, bodies, headers=None):
    """Publishes each body as text over one keep-alive HTTP connection; returns the statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=30)
    statuses = []
    try:
        for body in bodies:
            conn.request("POST", f"/topics/{topic}", body=body.encode(),
                         headers={"Content-Type": "text/plain", **(headers or {})})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        conn.close()
    return statuses


def handshake_status(relay, path, headers=None, source_address=None):
    """The HTTP status a WebSocket upgrade to `path` is answered with (101 when accepted),
    connecting from `source_address` (a loopback address) when given."""
    try:
        async def attempt():
            local = {"local_addr": (source_address, 0)} if source_address else {}
            async with websockets.connect(relay.url(path, "ws"), extra_headers=headers or {},
                                          open_timeout=10, **local):
                return 101
        return asyncio.run(attempt())
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code


def raw_upgrade(relay, path, extensions=None):
    """A raw socket upgraded on `path`, offering `extensions` if given; returns it and the
    101's head, lowercased."""
    s = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    extension = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{relay.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"{extension}\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        check(chunk, f"{path}: closed during the handshake")
        head += chunk
    head, rest = head.split(b"\r\n\r\n", 1)
    check(rest == b"", f"{path}: bytes after the 101")
    head = head.decode().lower()
    check(head.startswith("http/1.1 101"), f"{path}: {head.splitlines()[0]}")
    return s, head


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        check(chunk, "the connection closed while a frame was read")
        out += chunk
    return out


def recv_frame(s):
    """(rsv1, opcode, payload) of the next frame (the server's frames are unmasked)."""
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(recv_exact(s, 2), "big")
    elif n == 127:
        n = int.from_bytes(recv_exact(s, 8), "big")
    return bool(b0 & 0x40), b0 & 0x0F, recv_exact(s, n)


class EventStream:
    """curl -N reading an event stream; yields its events as dicts of their fields."""

    def __init__(self, proc):
        self.proc = proc

    @classmethod
    async def open(cls, relay, path, last_event_id=None):
        args = ["curl", "-s", "-N", "--max-time", "60", "-H", "Accept: text/event-stream"]
        if last_event_id is not None:
            args += ["-H", f"Last-Event-ID: {last_event_id}"]
        proc = await asyncio.create_subprocess_exec(*args, relay.url(path), stdout=asyncio.subprocess.PIPE)
        return cls(proc)

    async def next(self):
        event = {}
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
            check(line, "the event stream ended")
            line = line.decode().rstrip("\n")
            if not line:
                if event:
                    return event
                continue
            name, _, value = line.partition(": ")
            event[name] = event[name] + "\n" + value if name in event else value

    async def close(self):
        self.proc.kill()
        await self.proc.wait()


def run(main, deadline=DEADLINE_S):
    """Runs a script's async main under the overall deadline; exits 1 on failure."""
    binary = sys.argv[1]
    try:
        asyncio.run(asyncio.wait_for(main(binary), deadline))
    except Exception as e:  # report and fail
        import traceback
        traceback.print_exc()
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print("ok")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
