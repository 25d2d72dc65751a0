"""Exec sources: pty = true makes a program's output line-buffered (a Python print without
flush arrives at once, where through a pipe it would sit in the child's buffer until it
exits); stderr goes to the log line by line; cwd and env are applied; and at shutdown each
child is stopped gracefully: its stdin is closed (it sees end-of-file), its process group gets
SIGTERM, and a child that ignores SIGTERM is killed, with what it started, after stop_grace."""
import asyncio
import os
import time

import websockets

from source_harness import Relay, await_source, check, run

TICKS = "import time\nfor i in range(3):\n    print(f'tick {i}'); time.sleep(0.1)\ntime.sleep(60)\n"
# On SIGTERM it records whether its stdin had already reached end-of-file.
POLITE = ("import os, select, signal, sys\n"
          "def term(*_):\n"
          "    ready = select.select([0], [], [], 0)[0]\n"
          "    eof = bool(ready) and os.read(0, 1) == b''\n"
          "    open('term', 'w').write('term after eof' if eof else 'term')\n"
          "    sys.exit(0)\n"
          "signal.signal(signal.SIGTERM, term)\n"
          "print(os.getcwd(), os.environ['SENSOR_MODE'], flush=True)\n"
          "print('warming up', file=sys.stderr, flush=True)\n"
          "while True:\n"
          "    signal.pause()\n")
STUBBORN = ("import os, signal, subprocess, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "child = subprocess.Popen(['sleep', '600'])\n"
            "open('pids', 'w').write(f'{os.getpid()} {child.pid}')\n"
            "print('ready', flush=True)\n"
            "time.sleep(600)\n")


def code(text):
    return text.encode("unicode_escape").decode()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


async def main(binary):
    relay = Relay(binary, "")
    work = relay.dir
    relay.write_config(f"""
[[source]]
name = "on-pty"
type = "exec"
topic = "ticks/pty"
command = ["/usr/bin/python3", "-c", "{code(TICKS)}"]
pty = true
env = {{ PYTHONUNBUFFERED = "" }}

[[source]]
name = "on-pipe"
type = "exec"
topic = "ticks/pipe"
command = ["/usr/bin/python3", "-c", "{code(TICKS)}"]
env = {{ PYTHONUNBUFFERED = "" }}  # Python buffers a pipe unless told otherwise

[[source]]
name = "polite"
type = "exec"
topic = "polite"
command = ["/usr/bin/python3", "-c", "{code(POLITE)}"]
cwd = "{work}"
env = {{ SENSOR_MODE = "fast" }}
sink_topic = "polite/in"

[[source]]
name = "stubborn"
type = "exec"
topic = "stubborn"
command = ["/usr/bin/python3", "-c", "{code(STUBBORN)}"]
cwd = "{work}"
stop_grace = "1s"
""")
    async with websockets.connect(relay.url("/topics/ticks/pty", "ws")) as pty_sub, \
            websockets.connect(relay.url("/topics/ticks/pipe", "ws")) as pipe_sub, \
            websockets.connect(relay.url("/topics/polite", "ws")) as polite, \
            websockets.connect(relay.url("/topics/stubborn", "ws")) as stubborn:
        relay.signal(__import__("signal").SIGHUP)
        for i in range(3):
            check(await asyncio.wait_for(pty_sub.recv(), 15) == f"tick {i}", "line-buffered on the pty")
        # The same program on a pipe: its three lines are still in its stdio buffer.
        try:
            early = await asyncio.wait_for(pipe_sub.recv(), 1.5)
        except asyncio.TimeoutError:
            early = None
        check(early is None, f"through a pipe the output waits in the child's buffer: {early!r}")
        check(await asyncio.wait_for(polite.recv(), 15) == f"{work} fast", "cwd and env applied")
        check(await asyncio.wait_for(stubborn.recv(), 15) == "ready", "stubborn started")
    check(relay.wait_log("source 'polite' stderr: warming up"), "stderr is logged line by line")
    pids = [int(p) for p in open(os.path.join(work, "pids")).read().split()]
    check(all(alive(p) for p in pids), "the stubborn child and its own child run")

    started = time.monotonic()
    rc = relay.stop()
    took = time.monotonic() - started
    check(rc == 0, f"relay exit {rc}")
    check(open(os.path.join(work, "term")).read() == "term after eof",
          "the polite child got SIGTERM, its stdin closed before")
    check(took >= 1.0, f"the stubborn child had its stop_grace ({took:.2f} s)")
    end = time.time() + 10
    while any(alive(p) for p in pids) and time.time() < end:
        time.sleep(0.05)
    check(not any(alive(p) for p in pids), "the stubborn child and its own child were killed")
    with open(relay.log_path) as f:
        log = f.read()
    check("source 'stubborn': stopped; the program was killed by signal 9" in log, "the kill is logged")


run(main)
