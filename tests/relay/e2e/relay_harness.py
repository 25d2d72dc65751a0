"""The relay end to end: starts build/bin/sluice on a free loopback port with a given
configuration, waits until it answers, and stops it by its PID. Clients are independent:
python3-websockets for WebSocket, curl for HTTP."""
import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

DEADLINE_S = 100  # every script ends by itself, before ctest's 120 s


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    def __init__(self, binary, config_text=None, args=()):
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
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
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
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def curl(*args, data=None):
    """Runs curl; returns (status, body). `data` goes in as the request body from stdin."""
    cmd = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", *args]
    if data is not None:
        cmd += ["--data-binary", "@-"]
    out = subprocess.run(cmd, input=data if isinstance(data, bytes) else (data or "").encode(),
                         capture_output=True, timeout=20).stdout
    body, _, code = out.rpartition(b"\n")
    return int(code), body


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


def run(main):
    """Runs a script's async main under the overall deadline; exits 1 on failure."""
    binary = sys.argv[1]
    try:
        asyncio.run(asyncio.wait_for(main(binary), DEADLINE_S))
    except Exception as e:  # report and fail
        import traceback
        traceback.print_exc()
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print("ok")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
