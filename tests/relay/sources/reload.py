"""SIGHUP changes sources without touching the others or any subscriber. A demo source is kept
through two reloads, and its subscriber receives every message it published (sequence numbers
without a gap) on one unbroken connection; a UDP source is removed (its port is free at once); an exec source is
changed (the old child gets SIGTERM, the new command runs); a TCP listen source is added. A
file with an error is refused and the running sources stay as they are. The demo source of
--demo, which no file names, survives a reload."""
import asyncio
import json
import os
import signal
import socket

import websockets

from source_harness import Relay, await_source, check, free_port, run, sources

CHILD = ("import signal, sys, time\n"
         "def bye(*_):\n    open(sys.argv[1], 'w').write('terminated'); sys.exit(0)\n"
         "signal.signal(signal.SIGTERM, bye)\n"
         "while True:\n    print(sys.argv[2], flush=True); time.sleep(0.1)\n")


def exec_source(marker, word):
    code = CHILD.encode("unicode_escape").decode()
    return f"""
[[source]]
name = "script"
type = "exec"
topic = "script"
command = ["/usr/bin/python3", "-c", "{code}", "{marker}", "{word}"]
"""


async def main(binary):
    udp_port, tcp_port = free_port(), free_port()
    demo = '[[source]]\nname = "demo"\ntype = "demo"\ntopic = "demo"\nrate = 100\n'
    relay = Relay(binary, "")
    first_marker = os.path.join(relay.dir, "first")
    second_marker = os.path.join(relay.dir, "second")
    before = demo + f'[[source]]\nname = "radio"\ntype = "udp"\ntopic = "radio"\nlisten = "127.0.0.1:{udp_port}"\n' \
        + exec_source(first_marker, "old")
    after = demo + exec_source(second_marker, "new") + \
        f'[[source]]\nname = "meters"\ntype = "tcp"\ntopic = "meters"\nlisten = "127.0.0.1:{tcp_port}"\n'
    relay.write_config(before)
    # Signals are the relay's own once it has announced itself (the port opens a moment before).
    check(relay.wait_log("sluice relay listening on"), "the relay started")
    relay.signal(signal.SIGHUP)
    try:
        await await_source(relay, "script", lambda s: s["state"] == "running", "first child started")
        async with websockets.connect(relay.url("/topics/demo?format=json", "ws"), max_queue=None) as sub, \
                websockets.connect(relay.url("/topics/script", "ws"), max_queue=None) as script:
            check(await asyncio.wait_for(script.recv(), 10) == "old", "the old command's output")
            counters = []

            async def collect(seconds):
                end = asyncio.get_running_loop().time() + seconds
                while asyncio.get_running_loop().time() < end:
                    frame = json.loads(await asyncio.wait_for(sub.recv(), 10))
                    if "seq" in frame:  # the first frame names the relay's epoch
                        counters.append(frame["seq"])

            await collect(0.5)
            relay.write_config(after)
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("sources: 1 added, 1 changed, 1 removed, 1 kept"), "the reload's summary")
            await collect(0.5)
            now = sources(relay)
            check(list(now) == ["demo", "script", "meters"], f"sources after the reload: {list(now)}")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", udp_port))  # the removed source let go of its port
            await await_source(relay, "script", lambda s: s["state"] == "running", "new child started")
            check(open(first_marker).read() == "terminated", "the old child was sent SIGTERM")
            word = await asyncio.wait_for(script.recv(), 10)
            while word == "old":
                word = await asyncio.wait_for(script.recv(), 10)
            check(word == "new", f"the new command runs: {word!r}")
            await await_source(relay, "meters", lambda s: s["state"] == "running", "added listener")
            with socket.create_connection(("127.0.0.1", tcp_port)) as c:
                c.sendall(b"meter 1\n")
                await await_source(relay, "meters", lambda s: s["messages"] == 1, "added source publishes")

            # A broken file: refused, and everything keeps running as it was.
            relay.write_config(after + "[[source]]\ntype = \"udp\"\n")
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("reload refused"), "the broken file is refused")
            await collect(0.5)
            check(list(sources(relay)) == ["demo", "script", "meters"], "sources unchanged")
            # The relay numbers what it publishes (the demo itself skips ahead after a stalled loop).
            check(counters == list(range(counters[0], counters[0] + len(counters))),
                  f"the demo subscriber lost nothing: {len(counters)} messages")
            check(sources(relay)["demo"]["restarts"] == 0, "the kept source was not restarted")
    finally:
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")
    check(os.path.exists(second_marker), "at exit the second child was sent SIGTERM too")

    relay = Relay(binary, "", args=("--demo",))
    try:
        before_reload = (await await_source(relay, "demo", lambda s: s["messages"] > 0, "--demo runs"))["messages"]
        relay.write_config(f'[[source]]\nname = "radio"\ntype = "udp"\ntopic = "radio"\n'
                           f'listen = "127.0.0.1:{udp_port}"\n')
        relay.signal(signal.SIGHUP)
        check(relay.wait_log("sources: 1 added, 0 changed, 0 removed, 1 kept"), "--demo's source is kept")
        s = await await_source(relay, "demo", lambda s: s["messages"] > before_reload, "still publishing")
        check(s["state"] == "running" and list(sources(relay)) == ["radio", "demo"], f"{sources(relay)}")
    finally:
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")


run(main)
