"""Each source recovers from its failure, and its state says so: a serial device that vanishes
(its pty closed, its path removed) and comes back at the same path; a child that crashes and
is restarted, and one that is not (restart = "never"); a TCP upstream that refuses, then
accepts, then drops the connection. A subscriber receives data before and after each recovery."""
import asyncio
import os
import socket
import tempfile
import tty

import websockets

from source_harness import Relay, await_source, check, free_port, run, slip, len16

SCRIPT = """
import os, sys
path = sys.argv[1]
n = int(open(path).read()) + 1 if os.path.exists(path) else 1
open(path, "w").write(str(n))
print(f"run {n}", flush=True)
sys.exit(2)
"""


def new_pty(link):
    master, slave = os.openpty()
    tty.setraw(slave)
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.ttyname(slave), link)
    os.close(slave)  # the relay opens it by path
    return master


async def expect(ws, want, what):
    got = await asyncio.wait_for(ws.recv(), 15)
    check(got == want, f"{what}: expected {want!r}, got {got!r}")


async def main(binary):
    work = tempfile.mkdtemp(prefix="sluice-recovery-")
    link = os.path.join(work, "ttyRADIO")
    master = new_pty(link)
    script = os.path.join(work, "crash.py")
    with open(script, "w") as f:
        f.write(SCRIPT)
    upstream_port = free_port()
    config = f"""
[[source]]
name = "radio"
type = "serial"
topic = "radio"
framing = "slip"
device = "{link}"
reopen_min = "20ms"
reopen_max = "300ms"

[[source]]
name = "crasher"
type = "exec"
topic = "crasher"
command = ["/usr/bin/python3", "{script}", "{os.path.join(work, 'count')}"]
restart = "on-failure"
restart_min = "20ms"
restart_max = "200ms"

[[source]]
name = "once"
type = "exec"
topic = "once"
command = ["/bin/sh", "-c", "echo bye; exit 4"]
restart = "never"

[[source]]
name = "upstream"
type = "tcp"
topic = "upstream"
framing = "len16"
connect = "127.0.0.1:{upstream_port}"
reconnect_min = "20ms"
reconnect_max = "300ms"
"""
    relay = Relay(binary, config)
    try:
        # The serial device: data flows, the device vanishes, the state says so, it comes back.
        async with websockets.connect(relay.url("/topics/radio", "ws")) as ws:
            await await_source(relay, "radio", lambda s: s["state"] == "running", "open")
            os.write(master, slip(b"before"))
            await expect(ws, b"before", "serial before")
            os.close(master)
            os.unlink(link)
            gone = await await_source(relay, "radio", lambda s: s["state"] == "backoff" and s["errors"] >= 2,
                                      "backoff while the device is missing")
            check("No such file" in gone["last_error"], f"last_error names the missing device: {gone}")
            master = new_pty(link)
            back = await await_source(relay, "radio", lambda s: s["state"] == "running", "reopened")
            check(back["restarts"] >= 1, f"restarts counted: {back}")
            os.write(master, slip(b"after"))
            await expect(ws, b"after", "serial after")
        os.close(master)

        # The child that crashes each time it has printed: restarted, and counted.
        async with websockets.connect(relay.url("/topics/crasher", "ws")) as ws:
            seen = set()
            while len(seen) < 3:
                m = await asyncio.wait_for(ws.recv(), 15)
                seen.add(m)
            s = await await_source(relay, "crasher", lambda s: s["restarts"] >= 3, "three restarts")
            check("exited with status 2" in s["last_error"], f"the exit is the last error: {s}")
        once = await await_source(relay, "once", lambda s: s["state"] == "failed", "failed, not restarted")
        check(once["restarts"] == 0 and "exited with status 4" in once["last_error"], f"{once}")
        check(once["messages"] == 1, f"its one line was published before it ended: {once}")

        # The upstream that refuses, then accepts, then drops the connection.
        refused = await await_source(relay, "upstream", lambda s: s["state"] == "backoff" and s["errors"] >= 2,
                                     "backoff while refused")
        check("Connection refused" in refused["last_error"], f"{refused}")
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", upstream_port))
        listener.listen(1)
        listener.settimeout(15)
        async with websockets.connect(relay.url("/topics/upstream", "ws")) as ws:
            loop = asyncio.get_running_loop()
            conn, _ = await loop.run_in_executor(None, listener.accept)
            await await_source(relay, "upstream", lambda s: s["state"] == "running", "connected")
            conn.sendall(len16(b"first"))
            await expect(ws, b"first", "upstream first connection")
            restarts = (await await_source(relay, "upstream", lambda s: True, "status"))["restarts"]
            conn.close()
            conn, _ = await loop.run_in_executor(None, listener.accept)
            again = await await_source(relay, "upstream", lambda s: s["state"] == "running" and
                                       s["restarts"] > restarts, "reconnected")
            check("closed the connection" in again["last_error"], f"{again}")
            conn.sendall(len16(b"second"))
            await expect(ws, b"second", "upstream second connection")
            conn.close()
        listener.close()
    finally:
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")


run(main)
