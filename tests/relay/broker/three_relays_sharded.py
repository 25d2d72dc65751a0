"""Three relays behind two Redis shards (url = a list): topics are spread over the shards by
jump consistent hashing, every relay agrees where each lives, and a message published on any
relay reaches the subscribers of all three, in order, once each. A relay's /stats shows both
shards up."""
import asyncio
import json

from broker_harness import (Redis, Subscriber, check, check_no_duplicates, curl, publish, run, seqs,
                            start_relays, stop_all, check_clean_exits)

TOPICS = [f"t{i}" for i in range(8)]
PER_TOPIC = 10


async def main(binary):
    shards = [Redis(), Redis()]
    relays = []
    try:
        relays = start_relays(binary, [s.url() for s in shards], 3)
        subs = [await Subscriber(r, "/topics/**?format=json").start() for r in relays]
        for s in shards:
            s.wait_subscribed(relays=3)
        for i in range(PER_TOPIC):
            for j, topic in enumerate(TOPICS):
                status, body = publish(relays[(i + j) % 3], topic, f"{topic}-{i}")
                check(status == 200, f"publish {topic} {i}: {status} {body}")
        for n, sub in enumerate(subs):
            await sub.wait_for(lambda s: len(s.messages()) >= len(TOPICS) * PER_TOPIC, f"everything on relay {n}")
            for topic in TOPICS:
                check(seqs(sub.messages(topic)) == list(range(1, PER_TOPIC + 1)), f"{topic} on relay {n}")
            check_no_duplicates(sub, f"relay {n}")
            check(len(sub.epoch().split(".")) == 2, f"one epoch per shard: {sub.epoch()}")
        # Both shards hold some of the topics.
        held = [int(s.cli("EVAL", "return #redis.call('KEYS', 'sluice:seq:*')", "0") or 0) for s in shards]
        check(sum(held) == len(TOPICS) and min(held) > 0, f"topics spread over both shards: {held}")
        status, body = curl(relays[0].url("/stats"))
        stats = json.loads(body)
        check(stats["broker"]["shards"] == 2 and stats["broker"]["shards_up"] == 2, f"broker stats: {stats['broker']}")
        for sub in subs:
            await sub.stop()
    finally:
        stop_all(relays, shards)
    check_clean_exits(relays)


run(main)
