"""permessage-deflate through the relay, per topic: with `[server] compression = "shared"` a
subscriber that offers the extension gets it, and a topic's `compression` decides how its
messages travel. On a raw socket: a message of the default topic arrives compressed (RSV1, far
fewer bytes, inflating back to what was published), one of a topic with `compression = "off"`
arrives as it was published, and one under `compression_threshold` goes uncompressed; a
subscriber that offers nothing receives every message plain. python3-websockets, which offers
the extension by default, receives both topics' messages whole."""
import asyncio
import zlib

import websockets

from relay_harness import Relay, check, publish, raw_upgrade, recv_frame, run

CONFIG = """
[server]
compression = "shared"
compression_threshold = 64

[[topic]]
match = "plain"
compression = "off"
"""

MESSAGE = "a JSON-like line with repeats, " * 40
SHORT = "under the threshold"


def inflate(payload):
    return zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff")


async def published(relay, topic, text):
    status, body = await asyncio.to_thread(publish, relay, topic, text)
    check(status == 200, f"publish to {topic}: {status} {body}")


async def raw_clients(relay):
    offer = "permessage-deflate; client_max_window_bits"
    zipped, head = raw_upgrade(relay, "/topics/zip", offer)
    check("sec-websocket-extensions: permessage-deflate" in head, f"/topics/zip: not agreed: {head}")
    plain, head = raw_upgrade(relay, "/topics/plain", offer)
    check("sec-websocket-extensions: permessage-deflate" in head, f"/topics/plain: not agreed: {head}")
    no_offer, head = raw_upgrade(relay, "/topics/zip")
    check("sec-websocket-extensions" not in head, f"agreed without an offer: {head}")
    await asyncio.sleep(0.2)

    await published(relay, "zip", MESSAGE)
    rsv1, opcode, payload = await asyncio.to_thread(recv_frame, zipped)
    check(opcode == 1 and rsv1, f"the default topic's message: opcode {opcode}, RSV1 {rsv1}")
    check(len(payload) < len(MESSAGE) // 4, f"a {len(MESSAGE)}-byte message took {len(payload)} bytes")
    check(inflate(payload) == MESSAGE.encode(), "the compressed message does not inflate to what was published")
    rsv1, opcode, payload = await asyncio.to_thread(recv_frame, no_offer)
    check(not rsv1 and payload == MESSAGE.encode(), "a subscriber without the extension gets it plain")

    await published(relay, "zip", SHORT)
    rsv1, _, payload = await asyncio.to_thread(recv_frame, zipped)
    check(not rsv1 and payload == SHORT.encode(), f"under the threshold: RSV1 {rsv1}, {payload!r}")

    await published(relay, "plain", MESSAGE)
    rsv1, opcode, payload = await asyncio.to_thread(recv_frame, plain)
    check(opcode == 1 and not rsv1 and payload == MESSAGE.encode(),
          f"compression = \"off\" topic: RSV1 {rsv1}, {len(payload)} bytes")
    for s in (zipped, plain, no_offer):
        s.close()


async def python_client(relay):
    async with websockets.connect(relay.url("/topics/zip", "ws")) as zipped, \
            websockets.connect(relay.url("/topics/plain", "ws")) as plain:
        for ws in (zipped, plain):
            agreed = ws.response_headers.get("Sec-WebSocket-Extensions") or ""
            check(agreed.startswith("permessage-deflate"), f"python3-websockets: agreed {agreed!r}")
        await asyncio.sleep(0.2)
        await published(relay, "zip", MESSAGE)
        await published(relay, "plain", MESSAGE + "!")
        check(await asyncio.wait_for(zipped.recv(), 10) == MESSAGE, "python3-websockets: the default topic")
        check(await asyncio.wait_for(plain.recv(), 10) == MESSAGE + "!", "python3-websockets: the plain topic")


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        await raw_clients(relay)
        await python_client(relay)
    finally:
        relay.stop()


if __name__ == "__main__":
    run(main)
