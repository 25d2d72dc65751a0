"""Backpressure into a stream source: a TCP producer writes 40,000 len16 frames as fast as the
socket takes them into a topic whose policy is `backpressure`, read by a fast subscriber and a
slow one (a one-message client queue and a pause every 50 messages). The source stops reading
whenever a subscriber passes its low watermark and goes on when it drains, so the kernel's
buffers and then the producer absorb the rest: both subscribers receive every frame, in order,
none is dropped, and the relay's resident memory stays within RSS_BOUND_KIB of where it started."""
import asyncio
import socket
import threading
import time

import websockets

from source_harness import Relay, await_source, check, free_port, len16, rss_bounds_apply, rss_kib, run

FRAMES = 40_000
SIZE = 200
RSS_BOUND_KIB = 2048


def frame(n):
    return (b"%08d" % n) + bytes((n + i) % 256 for i in range(SIZE - 8))


async def main(binary):
    port = free_port()
    relay = Relay(binary, f"""
[server]
max_buffered_bytes = "256KiB"
low_watermark = "64KiB"

[[topic]]
match = "fast/**"
policy = "backpressure"

[[source]]
name = "producer"
type = "tcp"
topic = "fast/stream"
framing = "len16"
listen = "127.0.0.1:{port}"
""")
    try:
        await await_source(relay, "producer", lambda s: s["state"] == "running", "listening")
        async with websockets.connect(relay.url("/topics/fast/stream", "ws"), max_queue=None) as fast, \
                websockets.connect(relay.url("/topics/fast/stream", "ws"), max_queue=1) as slow:
            await asyncio.sleep(0.2)
            baseline = rss_kib(relay.proc.pid)
            peak = [baseline]

            def produce():
                data = b"".join(len16(frame(n)) for n in range(FRAMES))
                with socket.create_connection(("127.0.0.1", port)) as c:
                    for at in range(0, len(data), 1 << 16):
                        c.sendall(data[at:at + (1 << 16)])
                        peak[0] = max(peak[0], rss_kib(relay.proc.pid))

            producer = threading.Thread(target=produce, daemon=True)
            producer.start()

            async def consume(ws, pause_every):
                for n in range(FRAMES):
                    m = await asyncio.wait_for(ws.recv(), 30)
                    if m[:8] != b"%08d" % n:
                        raise AssertionError(f"frame {n}: got {m[:8]!r}")
                    if pause_every and n % pause_every == 0:
                        await asyncio.sleep(0.002)

            await asyncio.gather(consume(fast, 0), consume(slow, 50))
            producer.join(timeout=30)
            peak[0] = max(peak[0], rss_kib(relay.proc.pid))
        s = await await_source(relay, "producer", lambda s: s["messages"] == FRAMES, "all published")
        check(s["pauses"] > 0, f"the source paused for the slow subscriber: {s}")
        check(s["state"] == "running", f"and resumed: {s}")
        check(peak[0] - baseline <= RSS_BOUND_KIB or not rss_bounds_apply(),
              f"RSS grew by {peak[0] - baseline} KiB from {baseline} KiB (bound {RSS_BOUND_KIB} KiB)")
        print(f"{FRAMES} frames to both subscribers, {s['pauses']} pauses; RSS {baseline} -> {peak[0]} KiB "
              f"while {FRAMES * (SIZE + 2) // 1024} KiB went through")
    finally:
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")


run(main)
