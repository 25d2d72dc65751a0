"""Publish with curl, receive with python3-websockets: text stays text, binary stays binary,
wildcards and several topics per connection deliver each message once, and the publish answer
carries the topic, its sequence number and the subscriber count. With --threads 2, subscribers
spread over both loops each receive every message in order."""
import asyncio
import json

import websockets

from relay_harness import Relay, check, publish, publish_many, run


async def main(binary):
    relay = Relay(binary)
    try:
        async with websockets.connect(relay.url("/topics/sensors/**", "ws")) as wild, \
                websockets.connect(relay.url("/topics?topic=sensors/radio&topic=sensors/*", "ws")) as both, \
                websockets.connect(relay.url("/topics/other", "ws")) as other:
            await asyncio.sleep(0.2)
            status, body = await asyncio.to_thread(publish, relay, "sensors/radio", "21.5")
            check(status == 200, f"publish answered {status} {body}")
            answer = json.loads(body)
            check(answer == {"topic": "sensors/radio", "seq": 1, "subscribers": 2}, f"answer {answer}")
            status, body = await asyncio.to_thread(publish, relay, "sensors/radio", b"\x00\x01\xff",
                                                   "application/octet-stream")
            check(status == 200 and json.loads(body)["seq"] == 2, f"binary publish {status} {body}")
            for ws in (wild, both):
                first = await asyncio.wait_for(ws.recv(), 10)
                second = await asyncio.wait_for(ws.recv(), 10)
                check(first == "21.5", f"text arrived as {first!r}")
                check(second == b"\x00\x01\xff", f"binary arrived as {second!r}")
            # Overlapping patterns on one connection: still one copy. Deeper levels reach only **.
            await asyncio.to_thread(publish, relay, "sensors/a/b", "deep")
            check(await asyncio.wait_for(wild.recv(), 10) == "deep", "** reaches deeper levels")
            await asyncio.to_thread(publish, relay, "other", "marker")
            check(await asyncio.wait_for(other.recv(), 10) == "marker", "other topic")
            try:
                extra = await asyncio.wait_for(both.recv(), 0.5)
                raise AssertionError(f"duplicate or stray message {extra!r}")
            except asyncio.TimeoutError:
                pass
        status, body = await asyncio.to_thread(
            lambda: __import__("relay_harness").curl(relay.url("/topics")))
        topics = {t["name"]: t for t in json.loads(body)["topics"]}
        check(topics["sensors/radio"]["last_seq"] == 2, f"GET /topics {topics}")
    finally:
        relay.stop()

    relay = Relay(binary, None, ["--threads", "2"])
    try:
        subscribers = [await websockets.connect(relay.url("/topics/spread/**", "ws")) for _ in range(20)]
        await asyncio.sleep(0.2)
        bodies = [f"m{i}" for i in range(50)]
        check(await asyncio.to_thread(publish_many, relay, "spread/x", bodies) == [200] * 50, "publish on 2 threads")
        for ws in subscribers:
            got = [await asyncio.wait_for(ws.recv(), 10) for _ in range(50)]
            check(got == bodies, f"every subscriber, on either loop, gets all in order: {got[:3]}")
            await ws.close()
        check(relay.stop() == 0, "two threads stop cleanly")
    finally:
        relay.stop()


run(main)
