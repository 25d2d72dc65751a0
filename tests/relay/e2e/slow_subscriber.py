"""A slow subscriber is handled by its topic's policy while the others get everything: a client
that never reads is closed with 1008 once its queue passes the cap, and a subscriber that keeps
up (the publisher waits for it every few messages, so it is fast by construction, however busy
the machine) receives every message in order."""
import asyncio

import websockets

from relay_harness import Relay, check, run, stalled_subscriber

CONFIG = """
[server]
max_buffered_bytes = "256KiB"
send_buffer_bytes = "16KiB"

[[topic]]
match = "feed"
policy = "close"
publish = ["clients"]
"""

MESSAGES = 3000
WINDOW = 50  # 50 KiB in flight at most for the fast subscriber: far below its cap


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        # The stalled one: a raw socket with a tiny receive buffer that completes the handshake
        # and then never reads again.
        stalled = stalled_subscriber(relay, "/topics/feed")

        async with websockets.connect(relay.url("/topics/feed", "ws"), max_queue=None) as fast, \
                websockets.connect(relay.url("/topics/feed", "ws")) as publisher:
            await asyncio.sleep(0.2)
            payload = "x" * 1000
            received = 0
            for i in range(MESSAGES):
                await publisher.send(f"{i:06d}{payload}")
                if (i + 1) % WINDOW == 0:
                    while received <= i:
                        m = await asyncio.wait_for(fast.recv(), 20)
                        check(m.startswith(f"{received:06d}"), f"fast got {m[:6]} at {received}")
                        received += 1
            check(received == MESSAGES, f"fast subscriber got {received}")
            check(relay.wait_log("slow consumer", 10), "the slow consumer's close is logged")
        # The stalled connection is ended by the relay: its close frame waits behind what was
        # queued, and close_timeout cuts it if the client still does not read.
        stalled.settimeout(20)
        try:
            while stalled.recv(1 << 16):
                pass
        except ConnectionResetError:
            pass
        check("closing with 1008" in relay.read_log(), "the policy's close is logged with its code")
    finally:
        relay.stop()


run(main)
