"""Failures are loud and bounded. Two relays behind one Redis, a subscriber on B and a
publisher on A that keeps publishing through everything:

1. Redis drops every PUB/SUB connection (CLIENT KILL TYPE pubsub): the relays reconnect, check
   each topic against its stream, and B's subscriber gets every message exactly once, in order.
2. Redis is killed and restarted with its data (append-only file): /readyz turns 503 on both
   relays, then 200; publishes during the outage are answered 503; every publish answered 200
   reaches the subscriber exactly once, and none answered 503 does.
3. Redis is killed and restarted without its data: the relays notice the new epoch, the
   subscriber is told (a reset notice and the new epoch) and numbering begins again at 1."""
import asyncio
import json
import shutil
import os

from broker_harness import (Redis, Subscriber, check, check_no_duplicates, curl, publish, readyz, run,
                            start_relays, stop_all, check_clean_exits, wait_ready)


class Publisher:
    """Publishes "p1", "p2", ... on a relay until stopped, recording each status."""

    def __init__(self, relay):
        self.relay = relay
        self.statuses = {}  # payload: status
        self.running = True
        self.n = 0

    async def run(self):
        while self.running:
            self.n += 1
            payload = f"p{self.n}"
            status, _ = await asyncio.to_thread(publish, self.relay, "feed", payload)
            self.statuses[payload] = status
            await asyncio.sleep(0.01)

    def accepted(self):
        return [p for p, s in self.statuses.items() if s == 200]


async def wait_status(relays, want, timeout=20):
    end = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < end:
        if all(readyz(r) == want for r in relays):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"/readyz is not {want} on every relay")


async def wait_repairs(relay, timeout=20):
    """Until the relay has checked a topic against its stream after reconnecting."""
    end = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < end:
        if json.loads(curl(relay.url("/stats"))[1])["broker"]["repairs"] >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the relay did not check its topic after reconnecting within {timeout} s")


async def main(binary):
    redis = Redis(persistent=True)
    relays = []
    try:
        relays = start_relays(binary, [redis.url()], 2)
        a, b = relays
        sub = await Subscriber(b, "/topics/feed?format=json").start()
        redis.wait_subscribed("feed")
        pub = Publisher(a)
        task = asyncio.create_task(pub.run())
        await asyncio.sleep(1)

        # 1. Every subscription connection dropped by Redis.
        killed = redis.cli("CLIENT", "KILL", "TYPE", "pubsub")
        check(int(killed or 0) >= 2, f"both relays' subscriptions killed: {killed}")
        await wait_repairs(b)

        # 2. Killed and restarted with its data.
        redis.kill()
        await wait_status(relays, 503)
        before_restart = pub.n
        end = asyncio.get_running_loop().time() + 20
        while pub.n <= before_restart + 1:
            check(asyncio.get_running_loop().time() < end, "the publisher is answered while Redis is down")
            await asyncio.sleep(0.05)
        redis.start()
        await wait_status(relays, 200)
        await asyncio.sleep(1)
        pub.running = False
        await task
        refused = [p for p, s in pub.statuses.items() if s == 503]
        check(refused, "publishes during the outage were answered 503")
        check(set(pub.statuses.values()) <= {200, 503}, f"only 200 and 503: {set(pub.statuses.values())}")
        accepted = pub.accepted()
        await sub.wait_for(lambda s: {m["data"] for m in s.messages()} >= set(accepted),
                           "every accepted publish delivered", timeout=30)
        got = [m["data"] for m in sub.messages()]
        check(len(got) == len(set(got)), "no message delivered twice")
        check(not sub.notices("reset"), "the data survived: no reset")
        check_no_duplicates(sub, "after the restart with data")
        seq = [m["seq"] for m in sub.messages()]
        check(seq == list(range(seq[0], seq[0] + len(seq))), "no gap: the sequence is unbroken")
        epoch = sub.epoch()

        # 3. Killed and restarted without its data: a new epoch, and the subscriber is told.
        redis.kill()
        shutil.rmtree(os.path.join(redis.dir, "appendonlydir"), ignore_errors=True)
        await wait_status(relays, 503)
        redis.start()
        await wait_status(relays, 200)
        status, body = publish(a, "feed", "fresh")
        check(status == 200 and b'"seq":1' in body, f"numbering begins again: {status} {body}")
        await sub.wait_for(lambda s: s.messages() and s.messages()[-1]["data"] == "fresh", "the fresh message")
        check(sub.notices("reset"), "a reset notice")
        check(sub.epoch() != epoch, "a subscribed frame with the new epoch")
        check_no_duplicates(sub, "after the restart without data")
        await sub.stop()
        for r in relays:
            check("Redis lost its data" in r.read_log(), "the relay's log says the data was lost")
    finally:
        stop_all(relays, [redis])
    check_clean_exits(relays)


run(main)
