"""Server-Sent Events through the broker: an event stream on relay A gets the cluster's
sequence numbers as its event ids; after a disconnect it resumes on relay B with Last-Event-ID
(what an EventSource sends by itself) and gets exactly what it missed from the topic's stream
in Redis, then the live events, once each. A Last-Event-ID past the topic's end is another
run's: a reset, then the history from its start."""
import json

from broker_harness import Redis, check, publish, run, start_relays, stop_all, check_clean_exits
from relay_harness import EventStream


async def main(binary):
    redis = Redis()
    relays = []
    try:
        relays = start_relays(binary, [redis.url()], 2)
        a, b = relays
        stream = await EventStream.open(a, "/topics/feed")
        hello = await stream.next()
        check(hello.get("event") == "subscribed", f"first event on A: {hello}")
        epoch = json.loads(hello["data"])["subscribed"]["epoch"]
        check(epoch, f"the cluster's epoch: {hello}")
        for i in range(1, 6):
            status, body = publish(a, "feed", f"m{i}")
            check(status == 200, f"publish {i}: {status} {body}")
        got = [await stream.next() for _ in range(5)]
        check([(e["id"], e["data"]) for e in got] == [(str(i), f"m{i}") for i in range(1, 6)], f"on A: {got}")
        await stream.close()

        for i in range(6, 9):
            check(publish(a, "feed", f"m{i}")[0] == 200, f"publish {i} while away")
        stream = await EventStream.open(b, "/topics/feed", last_event_id="5")
        hello = await stream.next()
        check(hello.get("event") == "subscribed", f"subscribed on B: {hello}")
        check(json.loads(hello["data"])["subscribed"]["epoch"] == epoch, f"the same epoch on B: {hello}")
        got = [await stream.next() for _ in range(3)]
        check([(e["id"], e["data"]) for e in got] == [("6", "m6"), ("7", "m7"), ("8", "m8")], f"resumed on B: {got}")
        check(publish(b, "feed", "m9")[0] == 200, "publish 9 on B")
        live = await stream.next()
        check((live["id"], live["data"]) == ("9", "m9"), f"live after the history, once: {live}")
        await stream.close()

        stream = await EventStream.open(b, "/topics/feed", last_event_id="500")
        await stream.next()
        reset = await stream.next()
        check(reset.get("event") == "reset", f"a position past the end is a reset: {reset}")
        check(json.loads(reset["data"])["reset"]["since"] == 500, f"reset {reset}")
        first = await stream.next()
        check((first["id"], first["data"]) == ("1", "m1"), f"then the history from its start: {first}")
        await stream.close()
    finally:
        stop_all(relays, [redis])
    check_clean_exits(relays)


run(main)
