"""Sequence numbers, history and resume: ?since=SEQ replays what the ring holds after SEQ and
then continues live with nothing lost or repeated at the seam; an evicted range is announced as
a gap, a position from an earlier run as a reset; retain_last hands a new subscriber the newest
value at once."""
import asyncio
import json

import websockets

from relay_harness import Relay, check, publish, run

CONFIG = """
[[topic]]
match = "hist"
history = 5

[[topic]]
match = "sensors/*"
retain_last = true
"""


async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        for i in range(1, 11):
            status, _ = await asyncio.to_thread(publish, relay, "hist", f"m{i}")
            check(status == 200, "publish")
        # The ring holds 6..10: since=7 replays 8..10, then live 11.
        async with websockets.connect(relay.url("/topics/hist?format=json&since=7", "ws")) as ws:
            got = [await recv_json(ws) for _ in range(3)]
            check([m["seq"] for m in got] == [8, 9, 10], f"replay {got}")
            check(got[0]["data"] == "m8" and got[0]["topic"] == "hist", f"envelope {got[0]}")
            await asyncio.to_thread(publish, relay, "hist", "m11")
            live = await recv_json(ws)
            check(live["seq"] == 11 and live["data"] == "m11", f"live after replay {live}")
        # since=2: 3..5 are gone, a gap notice says so before 6..11.
        async with websockets.connect(relay.url("/topics/hist?format=json&since=2", "ws")) as ws:
            gap = await recv_json(ws)
            check(gap.get("gap", {}).get("from") == 3 and gap["gap"]["to"] == 6, f"gap {gap}")
            seqs = [(await recv_json(ws))["seq"] for _ in range(5)]
            check(seqs == [7, 8, 9, 10, 11], f"after the gap {seqs}")
        # since beyond the last sequence: a client of an earlier run is told to reset.
        async with websockets.connect(relay.url("/topics/hist?format=json&since=500", "ws")) as ws:
            reset = await recv_json(ws)
            check(reset.get("reset") == {"since": 500, "last": 11}, f"reset {reset}")
        # retain_last: the newest value of each matching topic arrives at once.
        await asyncio.to_thread(publish, relay, "sensors/t", "20.0")
        await asyncio.to_thread(publish, relay, "sensors/t", "21.0")
        async with websockets.connect(relay.url("/topics/sensors/*", "ws")) as ws:
            check(await asyncio.wait_for(ws.recv(), 10) == "21.0", "retained value")
    finally:
        relay.stop()


run(main)
