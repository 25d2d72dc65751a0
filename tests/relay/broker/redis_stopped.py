"""A subscription that silently stops delivering (a proxy between relay and Redis swallows
everything Redis sends on the relay's PUB/SUB connection, while commands still work: what a
failover or a forgetful NAT does) is found by the relay's probe within probe_interval +
command_timeout, and subscribes that Redis never confirms within command_timeout: /readyz
turns 503 until the relay has reconnected, and what was published meanwhile is repaired from
the stream.

A Redis that accepts TCP but never answers (the process stopped with SIGSTOP: the kernel
still completes connections) is found by the relays' probes and deadlines, not by TCP: with
probe_interval 250 ms and command_timeout 1 s, /readyz turns 503 within a few seconds, a
publish is answered 503 (never 200, never a hang), and once Redis answers again the relays
come back by themselves and deliver again."""
import asyncio
import json
import time

from broker_harness import (Redis, Subscriber, broker_config, check, curl, free_port, publish, readyz, run,
                            start_relays, stop_all, check_clean_exits, wait_ready)
from relay_harness import Relay


class Proxy:
    """Forwards TCP to Redis; swallow() makes it drop what Redis sends to subscribed clients."""

    def __init__(self, redis_port):
        self.redis_port = redis_port
        self.port = free_port()
        self.swallowing = False
        self.swallowed = 0

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port)

    async def serve(self, client_reader, client_writer):
        redis_reader, redis_writer = await asyncio.open_connection("127.0.0.1", self.redis_port)
        subscriber = False

        async def up():
            nonlocal subscriber
            while data := await client_reader.read(65536):
                subscriber = subscriber or b"SUBSCRIBE" in data.upper()
                redis_writer.write(data)
                await redis_writer.drain()
            redis_writer.close()

        async def down():
            while data := await redis_reader.read(65536):
                if subscriber and self.swallowing:
                    self.swallowed += 1
                    continue
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        await asyncio.gather(up(), down(), return_exceptions=True)

    def close(self):
        self.server.close()


async def silent_subscription(binary):
    redis = Redis()
    proxy = Proxy(redis.port)
    await proxy.start()
    direct = None
    behind = None
    try:
        direct = Relay(binary, broker_config([redis.url()]))
        behind = Relay(binary, broker_config([f"redis://127.0.0.1:{proxy.port}/0"]))
        # In threads: this loop runs the proxy, and must not wait with it.
        for r in (direct, behind):
            await asyncio.to_thread(wait_ready, r)
        sub = await Subscriber(behind, "/topics/q?format=json").start()
        await asyncio.to_thread(redis.wait_subscribed, "q")
        check((await asyncio.to_thread(publish, direct, "q", "1"))[0] == 200, "publish 1")
        await sub.wait_for(lambda s: len(s.messages()) == 1, "message 1 through the proxy")
        proxy.swallowing = True
        check((await asyncio.to_thread(publish, direct, "q", "2"))[0] == 200, "publish 2 (swallowed on its way)")
        started = time.time()
        while await asyncio.to_thread(readyz, behind) != 503:
            check(time.time() - started < 15, "the silent subscription was not found within 15 s")
            await asyncio.sleep(0.02)
        # The proxy swallows the new connection's subscribe confirmations too, until the relay
        # gives up waiting for them and connects once more.
        started = time.time()
        while "confirmed no (un)subscribe" not in behind.read_log():
            check(time.time() - started < 15, "unconfirmed subscribes were not noticed within 15 s: " + behind.read_log()[-1500:])
            await asyncio.sleep(0.02)
        proxy.swallowing = False
        await asyncio.to_thread(wait_ready, behind)
        check((await asyncio.to_thread(publish, direct, "q", "3"))[0] == 200, "publish 3")
        await sub.wait_for(lambda s: len(s.messages()) >= 3, "2, repaired from the stream, then 3")
        check([m["data"] for m in sub.messages()] == ["1", "2", "3"], f"in order, once each: {sub.frames}")
        check("probe did not arrive" in behind.read_log(), "the log names the probe")
        check("confirmed no (un)subscribe within command_timeout" in behind.read_log(),
              "the log names the unconfirmed subscribes")
        stats = json.loads((await asyncio.to_thread(curl, behind.url("/stats")))[1])["broker"]
        check(stats["probes_failed"] >= 1 and stats["repaired"] >= 1, f"probe failure and repair counted: {stats}")
        await sub.stop()
    finally:
        for r in (direct, behind):
            if r:
                r.stop()
        proxy.close()
        redis.stop()


async def main(binary):
    await silent_subscription(binary)
    redis = Redis()
    relays = []
    try:
        relays = start_relays(binary, [redis.url()], 2)
        a, b = relays
        sub = await Subscriber(b, "/topics/t?format=json").start()
        redis.wait_subscribed("t")
        check(publish(a, "t", "before")[0] == 200, "publish before")
        await sub.wait_for(lambda s: len(s.messages()) == 1, "the first message")

        redis.pause()
        stopped = time.time()
        # Deadline: probe_interval + command_timeout, with generous slack for a busy machine.
        while readyz(b) != 503 or readyz(a) != 503:
            check(time.time() - stopped < 15, "the stopped Redis was not detected within 15 s")
            await asyncio.sleep(0.05)
        status, _ = publish(a, "t", "during")
        check(status == 503, f"a publish while Redis does not answer: {status}")
        check("did not arrive" in b.read_log() or "unanswered" in b.read_log(), "the log says why")

        redis.resume()
        end = time.time() + 20
        while readyz(a) != 200 or readyz(b) != 200:
            check(time.time() < end, "the relays did not come back")
            await asyncio.sleep(0.05)
        check(publish(a, "t", "after")[0] == 200, "publish after")
        await sub.wait_for(lambda s: s.messages()[-1]["data"] == "after", "the message after")
        check("during" not in [m["data"] for m in sub.messages()], "the refused publish was not delivered")
        stats = json.loads(curl(b.url("/stats"))[1])["broker"]
        check(stats["reconnects"] >= 1 and stats["state"] == "up", f"B reconnected: {stats}")
        await sub.stop()
    finally:
        redis.resume() if redis.proc and redis.proc.poll() is None else None
        stop_all(relays, [redis])
    check_clean_exits(relays)


run(main)
