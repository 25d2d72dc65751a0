"""systemd's notify protocol, over a real NOTIFY_SOCKET this test binds: READY=1 once the
relay serves, WATCHDOG=1 pings at half of WATCHDOG_USEC, RELOADING=1 then READY=1 around a
SIGHUP reload (a refused one too), STOPPING=1 at SIGTERM, and exit status 0."""
import asyncio
import os
import signal
import socket
import tempfile
import time

from relay_harness import Relay, check, get, run

WATCHDOG_USEC = 2_000_000  # pings every second


class NotifySocket:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-notify-")
        self.path = os.path.join(self.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.received = []

    def next(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                message = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            self.received.append(message)
            return message
        raise AssertionError(f"no notification within {timeout} s; so far {self.received}")

    def wait_for(self, prefix, timeout=10):
        """The next notification that starts with `prefix`, skipping watchdog pings."""
        deadline = time.time() + timeout
        while True:
            message = self.next(max(0.1, deadline - time.time()))
            if message.startswith(prefix):
                return message
            check(message == "WATCHDOG=1", f"expected {prefix!r}, got {message!r}")

    def close(self):
        self.sock.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


async def main(binary):
    notify = NotifySocket()
    relay = Relay(binary, "[server]\nthreads = 2\n",
                  env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": str(WATCHDOG_USEC)})
    try:
        ready = notify.next()
        check(ready == f"READY=1\nSTATUS=serving on port {relay.port}", f"first notification {ready!r}")
        check(get(relay, "/healthz")[0] == 200, "serving when READY=1 came")
        start = time.time()
        pings = [notify.next(5) for _ in range(3)]
        check(pings == ["WATCHDOG=1"] * 3, f"watchdog pings {pings}")
        check(time.time() - start < 6, "three pings take about three seconds")

        relay.signal(signal.SIGHUP)
        check(notify.wait_for("RELOADING=1").startswith("RELOADING=1\n"), "reloading")
        check(notify.wait_for("READY=1") == "READY=1\nSTATUS=configuration reloaded", "ready after the reload")

        relay.write_config("[server]\nthreads = \"two\"\n")
        relay.signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1")
        check(notify.wait_for("READY=1") == "READY=1\nSTATUS=reload refused; the running configuration stays",
              "a refused reload says so")

        relay.signal(signal.SIGTERM)
        check(notify.wait_for("STOPPING=1") == "STOPPING=1\nSTATUS=shutting down", "stopping")
        relay.proc.wait(timeout=20)
        check(relay.proc.returncode == 0, f"exit status {relay.proc.returncode}")
    finally:
        relay.stop()
        notify.close()


run(main)
