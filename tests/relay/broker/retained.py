"""retain_last through Redis: a new subscriber on another relay gets a topic's newest message at
once, read from the topic's stream in Redis, then the live ones, each sequence once; a raw
subscriber gets the bare value; a wildcard subscription gets the newest message of the matching
topics its relay has seen; a topic without retain_last gives a new subscriber nothing old."""
import asyncio

from broker_harness import (Redis, Subscriber, check, check_no_duplicates, publish, run, seqs,
                            start_relays, stop_all, check_clean_exits)

import websockets

RETAINED = """
[[topic]]
match = "sensors/**"
history = 0
retain_last = true
"""


async def main(binary):
    redis = Redis()
    relays = []
    try:
        relays = start_relays(binary, [redis.url()], 2, RETAINED)
        a, b = relays
        for value in ("20.0", "21.0"):
            status, body = publish(a, "sensors/temp", value)
            check(status == 200, f"publish {value}: {status} {body}")
        check(publish(a, "room", "old news")[0] == 200, "publish to room")

        # B has never seen sensors/temp: the newest value comes from Redis, then the live ones.
        temp = await Subscriber(b, "/topics/sensors/temp?format=json").start()
        await temp.wait_for(lambda s: len(s.messages()) >= 1, "the retained value on B")
        check([(m["seq"], m["data"]) for m in temp.messages()] == [(2, "21.0")], f"retained: {temp.frames}")
        redis.wait_subscribed("sensors/temp", relays=1)
        check(publish(a, "sensors/temp", "22.0")[0] == 200, "publish 22.0")
        await temp.wait_for(lambda s: len(s.messages()) >= 2, "the live value after it")
        check(seqs(temp.messages()) == [2, 3], f"each once, in order: {temp.frames}")

        # A raw subscriber gets the bare newest value.
        async with websockets.connect(b.url("/topics/sensors/temp", "ws")) as raw:
            check(await asyncio.wait_for(raw.recv(), 20) == "22.0", "the raw retained value")

        # A wildcard on B: sensors/temp, which B now knows, arrives at once.
        wild = await Subscriber(b, "/topics/sensors/**?format=json").start()
        await wild.wait_for(lambda s: len(s.messages()) >= 1, "the wildcard's retained value")
        check([(m["topic"], m["data"]) for m in wild.messages()] == [("sensors/temp", "22.0")],
              f"the wildcard's retained values: {wild.frames}")

        # room keeps history but not retain_last: a new subscriber starts with the next message.
        room = await Subscriber(b, "/topics/room?format=json").start()
        redis.wait_subscribed("room", relays=1)
        check(publish(a, "room", "fresh")[0] == 200, "publish to room")
        await room.wait_for(lambda s: len(s.messages()) >= 1, "the live room message")
        check([m["data"] for m in room.messages()] == ["fresh"], f"nothing old: {room.frames}")

        for sub in (temp, wild, room):
            check_no_duplicates(sub, "no duplicate")
            await sub.stop()
    finally:
        stop_all(relays, [redis])
    check_clean_exits(relays)


run(main)
