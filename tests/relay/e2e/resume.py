"""Sequence numbers, history and resume: ?since=SEQ replays what the ring holds after SEQ and
then continues live with nothing lost or repeated at the seam; since=TOPIC:SEQ resumes several
topics and wildcard subscriptions on one connection; an evicted range is announced as a gap; a
position from another run of the relay (another epoch, or beyond the last sequence) as a reset,
followed by this run's history; a replay larger than the subscriber's cap stops at the cap
with a gap notice; retain_last hands a new subscriber the newest value at once."""
import asyncio
import contextlib
import json
import time

import websockets

from relay_harness import Relay, check, publish, publish_many, run

CONFIG = """
[server]
max_buffered_bytes = "64KiB"
low_watermark = "16KiB"

[[topic]]
match = "hist"
history = 5

[[topic]]
match = "stream"
history = 1000

[[topic]]
match = "big"
history = 1000
history_bytes = "1MiB"

[[topic]]
match = "multi/**"
history = 100

[[topic]]
match = "sensors/*"
retain_last = true
"""


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 30))


@contextlib.asynccontextmanager
async def subscribe(relay, path):
    """Connects with envelopes; yields the connection and the epoch its first frame names."""
    async with websockets.connect(relay.url(path, "ws")) as ws:
        hello = await recv_json(ws)
        check(set(hello) == {"subscribed"} and len(hello["subscribed"]["epoch"]) == 16, f"first frame {hello}")
        yield ws, hello["subscribed"]["epoch"]


def publish_slowly(relay, topic, count):
    """Publishes `count` numbered messages in small batches, so that a subscriber can leave
    and come back while they are still arriving."""
    statuses = []
    for start in range(0, count, 10):
        statuses += publish_many(relay, topic, [f"s{i}" for i in range(start, min(count, start + 10))])
        time.sleep(0.01)
    return statuses


async def publish_all(relay, topic, texts):
    for text in texts:
        status, _ = await asyncio.to_thread(publish, relay, topic, text)
        check(status == 200, f"publish to {topic}")


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        await publish_all(relay, "hist", [f"m{i}" for i in range(1, 11)])
        # The ring holds 6..10: since=7 replays 8..10, then live 11.
        async with subscribe(relay, "/topics/hist?format=json&since=7") as (ws, epoch):
            got = [await recv_json(ws) for _ in range(3)]
            check([m["seq"] for m in got] == [8, 9, 10], f"replay {got}")
            check(got[0]["data"] == "m8" and got[0]["topic"] == "hist", f"envelope {got[0]}")
            await publish_all(relay, "hist", ["m11"])
            live = await recv_json(ws)
            check(live["seq"] == 11 and live["data"] == "m11", f"live after replay {live}")
        # since=2: 3..5 are gone, a gap notice says so before 6..11.
        async with subscribe(relay, f"/topics/hist?format=json&since=2&epoch={epoch}") as (ws, again):
            check(again == epoch, "one epoch per run")
            gap = await recv_json(ws)
            check(gap.get("gap", {}).get("from") == 3 and gap["gap"]["to"] == 6, f"gap {gap}")
            seqs = [(await recv_json(ws))["seq"] for _ in range(5)]
            check(seqs == [7, 8, 9, 10, 11], f"after the gap {seqs}")
        # since beyond the last sequence: a client of an earlier run is told to reset, and
        # then gets what this run's history holds from its start (1..6 are gone: a gap).
        async with subscribe(relay, "/topics/hist?format=json&since=500") as (ws, _):
            reset = await recv_json(ws)
            check(reset == {"topic": "hist", "reset": {"since": 500, "last": 11}}, f"reset {reset}")
            gap = await recv_json(ws)
            check(gap.get("gap", {}).get("from") == 1 and gap["gap"]["to"] == 6, f"gap after reset {gap}")
            seqs = [(await recv_json(ws))["seq"] for _ in range(5)]
            check(seqs == [7, 8, 9, 10, 11], f"history after the reset {seqs}")
        # Another epoch: the position means nothing here, even below the last sequence.
        async with subscribe(relay, "/topics/hist?format=json&since=9&epoch=0123456789abcdef") as (ws, _):
            reset = await recv_json(ws)
            check(reset.get("reset") == {"since": 9, "last": 11}, f"reset for another epoch {reset}")
            check((await recv_json(ws)).get("gap", {}).get("to") == 6, "gap after the epoch reset")

        # Several topics and a wildcard on one connection, resumed per topic: the client saw
        # multi/a up to 2 and multi/b/c up to 1; multi/new is new to it (no retained value).
        await publish_all(relay, "multi/a", ["a1", "a2", "a3"])
        await publish_all(relay, "multi/b/c", ["c1", "c2"])
        await publish_all(relay, "multi/new", ["n1"])
        async with subscribe(relay, f"/topics?topic=multi/**&format=json&epoch={epoch}"
                                       "&since=multi/a:2&since=multi/b/c:1") as (ws, _):
            got = [await recv_json(ws) for _ in range(2)]
            check([(m["topic"], m["seq"], m["data"]) for m in got] == [("multi/a", 3, "a3"), ("multi/b/c", 2, "c2")],
                  f"multi-topic resume {got}")
            await publish_all(relay, "multi/new", ["n2"])
            live = await recv_json(ws)
            check((live["topic"], live["seq"]) == ("multi/new", 2), f"live after the multi-topic resume {live}")

        # Resume across a reconnect while messages keep coming: every sequence exactly once.
        async with subscribe(relay, "/topics/stream?format=json") as (ws, _):
            publishing = asyncio.create_task(asyncio.to_thread(publish_slowly, relay, "stream", 300))
            seen = [(await recv_json(ws))["seq"] for _ in range(100)]
        async with subscribe(relay, f"/topics/stream?format=json&since={seen[-1]}&epoch={epoch}") as (ws, _):
            while seen[-1] < 300:
                seen.append((await recv_json(ws))["seq"])
        check(await publishing == [200] * 300, "stream publishes")
        check(seen == list(range(1, 301)), f"nothing lost or repeated across the reconnect: {len(seen)} seen")

        # 200 KB of history against a 64 KiB cap: the replay stops at the cap and says where.
        bodies = [f"{i:04d}" + "z" * 996 for i in range(1, 201)]
        check(await asyncio.to_thread(publish_many, relay, "big", bodies) == [200] * 200, "publish big")
        async with subscribe(relay, "/topics/big?format=json&since=0") as (ws, _):
            got = []
            while True:
                m = await recv_json(ws)
                if "gap" in m:
                    break
                got.append(m["seq"])
            check(0 < len(got) < 64 and got == list(range(1, len(got) + 1)), f"replay within the cap: {len(got)}")
            check(m["gap"] == {"from": len(got) + 1, "to": 200, "reason": "dropped"}, f"replay cut {m}")
            await asyncio.to_thread(publish, relay, "big", "live")
            live = await recv_json(ws)
            check((live["seq"], live["data"]) == (201, "live"), f"live after the cut replay {live}")

        # retain_last: the newest value of each matching topic arrives at once.
        await asyncio.to_thread(publish, relay, "sensors/t", "20.0")
        await asyncio.to_thread(publish, relay, "sensors/t", "21.0")
        async with websockets.connect(relay.url("/topics/sensors/*", "ws")) as ws:
            check(await asyncio.wait_for(ws.recv(), 10) == "21.0", "retained value")
    finally:
        relay.stop()


run(main)
