"""Two relays behind one Redis serve one topic space: a message published over HTTP on A
reaches subscribers on B and on A itself, once each and in order, with the cluster's sequence
numbers; a WebSocket client's publish on B reaches A; a wildcard subscription on B sees topics
published on A; a client that read some messages from A resumes on B with since= and its
epoch, and gets exactly what it missed, then the live stream; publishes through the broker
keep their HTTP connection."""
import asyncio
import http.client

from broker_harness import (Redis, Subscriber, check, check_no_duplicates, publish, run, seqs,
                            start_relays, stop_all, check_clean_exits)

import websockets


async def main(binary):
    redis = Redis()
    relays = []
    try:
        relays = start_relays(binary, [redis.url()], 2)
        a, b = relays
        on_b = await Subscriber(b, "/topics/room?format=json").start()
        on_a = await Subscriber(a, "/topics/room?format=json").start()
        wild = await Subscriber(b, "/topics/sensors/**?format=json").start()
        redis.wait_subscribed("room", relays=2)
        redis.wait_subscribed(relays=1)

        for i in range(1, 21):
            status, body = publish(a, "room", f"m{i}")
            check(status == 200, f"publish {i}: {status} {body}")
            check(f'"seq":{i}' in body.decode(), f"publish {i} numbered by the cluster: {body}")
        for sub, name in ((on_b, "B"), (on_a, "A")):
            await sub.wait_for(lambda s: len(s.messages("room")) >= 20, f"20 messages on {name}")
            check(seqs(sub.messages("room")) == list(range(1, 21)), f"{name} in order, once each")
            check([m["data"] for m in sub.messages("room")] == [f"m{i}" for i in range(1, 21)], f"{name} payloads")

        for i, topic in enumerate(["sensors/a", "sensors/b/c", "sensors"]):
            status, _ = publish(a, topic, f"s{i}")
            check(status == 200, f"publish to {topic}: {status}")
        publish(a, "sensorsx", "not matched")
        await wild.wait_for(lambda s: len(s.messages()) >= 3, "three wildcard messages on B")
        check(sorted(m["topic"] for m in wild.messages()) == ["sensors", "sensors/a", "sensors/b/c"],
              f"the wildcard's topics: {wild.messages()}")

        # A WebSocket client publishing on B reaches the subscriber on A.
        async with websockets.connect(b.url("/topics/room", "ws")) as client:
            await client.send("from a client")
            await on_a.wait_for(lambda s: len(s.messages("room")) >= 21, "the client's message on A")
        check(on_a.messages("room")[-1]["data"] == "from a client", "the client's message")
        check(on_a.messages("room")[-1]["seq"] == 21, "numbered after the HTTP ones")

        # Resume on B after a disconnect from A.
        reader = await Subscriber(a, "/topics/room?format=json").start()
        for i in range(22, 27):
            publish(a, "room", f"m{i}")
        await reader.wait_for(lambda s: len(s.messages("room")) >= 5, "the reader's first five")
        epoch = reader.epoch()
        last = reader.messages("room")[-1]["seq"]
        await reader.stop()
        for i in range(27, 32):
            publish(a, "room", f"m{i}")
        resumed = await Subscriber(b, f"/topics/room?format=json&since={last}&epoch={epoch}").start()
        await resumed.wait_for(lambda s: len(s.messages("room")) >= 5, "the missed five on B")
        for i in range(32, 35):
            publish(b, "room", f"m{i}")
        await resumed.wait_for(lambda s: len(s.messages("room")) >= 8, "then the live stream")
        check(seqs(resumed.messages("room")) == list(range(27, 35)), f"resumed exactly: {resumed.frames}")
        check(not resumed.notices("gap") and not resumed.notices("reset"), "no gap or reset")

        # A publish through the broker keeps its HTTP connection: five on one, answered in order.
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        try:
            first_socket = None
            for i in range(35, 40):
                conn.request("POST", "/topics/room", body=f"m{i}".encode(), headers={"Content-Type": "text/plain"})
                response = conn.getresponse()
                body = response.read().decode()
                check(response.status == 200 and f'"seq":{i}' in body, f"kept-alive publish {i}: {body}")
                check(response.getheader("Connection") == "keep-alive", "the answer keeps the connection")
                first_socket = first_socket or conn.sock
                check(conn.sock is first_socket, "one connection for all five")
        finally:
            conn.close()
        await resumed.wait_for(lambda s: len(s.messages("room")) >= 13, "the kept-alive publishes on B")
        check(seqs(resumed.messages("room")) == list(range(27, 40)), f"in order: {resumed.frames}")

        for sub in (on_a, on_b, wild, resumed):
            check_no_duplicates(sub, "no duplicate")
            await sub.stop()
    finally:
        stop_all(relays, [redis])
    check_clean_exits(relays)


run(main)
