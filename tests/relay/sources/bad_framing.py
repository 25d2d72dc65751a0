"""Bad framing input never crashes the relay and never stalls another source. A TCP producer
sends SLIP with broken escapes, frames over max_frame and random bytes, then a good frame, then
half a frame before it hangs up; a len16 producer announces a frame far over max_frame. The
bad frames are dropped and counted by reason, each stream resynchronises at the next
delimiter, the drops are logged once per burst (a few lines, not thousands), and meanwhile a
UDP source's 500 datagrams all reach their subscriber."""
import asyncio
import os
import random
import socket

import websockets

from source_harness import Relay, await_source, check, free_port, len16, run, slip

SLIP_END, SLIP_ESC = 0xC0, 0xDB


async def main(binary):
    slip_port, len_port, udp_port = free_port(), free_port(), free_port()
    config = f"""
[[source]]
name = "bad-slip"
type = "tcp"
topic = "bad/slip"
framing = "slip"
max_frame = "64B"
listen = "127.0.0.1:{slip_port}"

[[source]]
name = "bad-len"
type = "tcp"
topic = "bad/len"
framing = "len16"
max_frame = "100B"
listen = "127.0.0.1:{len_port}"

[[source]]
name = "good"
type = "udp"
topic = "good"
listen = "127.0.0.1:{udp_port}"
"""
    relay = Relay(binary, config)
    try:
        await await_source(relay, "bad-slip", lambda s: s["state"] == "running", "listening")
        async with websockets.connect(relay.url("/topics/good", "ws"), max_queue=None) as good, \
                websockets.connect(relay.url("/topics/bad/slip", "ws"), max_queue=None) as bad_sub, \
                websockets.connect(relay.url("/topics/bad/len", "ws"), max_queue=None) as len_sub:
            loop = asyncio.get_running_loop()

            def flood():
                rng = random.Random(7)
                with socket.create_connection(("127.0.0.1", slip_port)) as c:
                    for _ in range(1000):  # an ESC followed by neither ESC_END nor ESC_ESC
                        c.sendall(bytes([SLIP_END, 0x41, SLIP_ESC, 0x42, SLIP_END]))
                    for _ in range(200):  # longer than max_frame
                        c.sendall(slip(b"x" * 100))
                    c.sendall(bytes(rng.getrandbits(8) for _ in range(200_000)))
                    c.sendall(bytes([SLIP_END]) + slip(b"resynchronised"))
                    c.sendall(bytes([SLIP_END, 0x41, 0x42]))  # cut short by the hang-up
                with socket.create_connection(("127.0.0.1", len_port)) as c:
                    c.sendall(len16(b"y" * 60000) + len16(b"after the long one"))

            flooder = loop.run_in_executor(None, flood)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            received = 0
            for n in range(500):
                sock.sendto(b"good %04d" % n, ("127.0.0.1", udp_port))
                if n % 50 == 49:
                    while received <= n:
                        m = await asyncio.wait_for(good.recv(), 15)
                        check(m == b"good %04d" % received, f"udp {received}: {m!r}")
                        received += 1
            sock.close()
            await asyncio.wait_for(flooder, 30)
            # The stream found its feet again: the good frame after the garbage arrived.
            seen = []
            while b"resynchronised" not in seen:
                seen.append(await asyncio.wait_for(bad_sub.recv(), 15))
            check(await asyncio.wait_for(len_sub.recv(), 15) == b"after the long one", "len16 resynchronised")

        s = await await_source(relay, "bad-slip", lambda s: s["frames_dropped"]["truncated"] == 1,
                               "the cut-short frame counted")
        check(s["frames_dropped"]["malformed"] >= 1000, f"malformed counted: {s}")
        check(s["frames_dropped"]["oversized"] >= 200, f"oversized counted: {s}")
        n = await await_source(relay, "bad-len", lambda s: s["frames_dropped"]["oversized"] == 1, "oversized")
        check(n["messages"] == 1, f"{n}")
        g = await await_source(relay, "good", lambda s: s["messages"] == 500, "all datagrams")
        check(g["frames_dropped"] == {"oversized": 0, "malformed": 0, "truncated": 0}, f"{g}")
        lines = relay.read_log().count("source 'bad-slip': dropped a")
        check(1 <= lines <= 10, f"drops logged once per burst, not per frame: {lines} lines")
        check(relay.proc.poll() is None, "the relay is still running")
    finally:
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")


run(main)
