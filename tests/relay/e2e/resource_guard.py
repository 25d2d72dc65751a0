"""The resource guard's whole cycle over a small memory_limit, driven by subscribers that never
read: past 80 % one warning line; past the limit new subscribers and publishes get 503,
/readyz fails with the reason, the metrics say so, /healthz stays green; once the stalled
subscribers are gone and memory falls under 90 %, the relay accepts again. Then
shutdown_delay: after SIGTERM /readyz fails while everything else still serves, and the relay
exits 0.

Each stalled subscriber follows a topic of its own, so the frames it holds are its alone; the
messages are 256 KiB, so each is a mapped block whose pages go back to the system the moment
it is freed."""
import asyncio
import signal
import time

import websockets

from relay_harness import Relay, check, get, handshake_status, publish, run, stalled_subscriber, stats

LIMIT = 40 << 20
CONFIG = f"""
[server]
memory_limit = "40MiB"
max_total_buffered_bytes = "256MiB"
max_buffered_bytes = "8MiB"
policy = "drop_newest"
send_buffer_bytes = "16KiB"
write_timeout = "0"
shutdown_delay = "2s"

[[topic]]
match = "load/*"
metrics = true
"""

STALLED = 6  # 6 x 8 MiB of queue: past the limit
MESSAGE = "m" * (256 << 10)


def used(s):
    """What the guard compares with the limit: the larger of the counted bytes and the RSS."""
    return max(s["memory"]["used_bytes"], s["memory"]["rss_bytes"])


def fill_until(relay, fraction, publishes):
    """Publishes round-robin to the stalled subscribers' topics until the relay uses at least
    `fraction` of the limit; returns the publishes made so far."""
    deadline = time.time() + 40
    while used(stats(relay)) < fraction * LIMIT:
        check(time.time() < deadline, f"memory never reached {fraction:.0%} of the limit")
        status, body = publish(relay, f"load/{publishes % STALLED}", MESSAGE)
        if fraction > 1 and status == 503 and b"over memory_limit" in body:
            # The guard read the memory past the limit before our last look at /stats did.
            return publishes
        check(status == 200, f"publish {publishes}: {status} {body}")
        publishes += 1
    return publishes


def wait_for(what, predicate, timeout=20):
    deadline = time.time() + timeout
    while not predicate():
        check(time.time() < deadline, f"timed out waiting for {what}")
        time.sleep(0.1)


def metric(relay, line):
    status, body = get(relay, "/metrics")
    check(status == 200, f"/metrics answered {status}")
    return line in body.splitlines()


async def main(binary):
    relay = Relay(binary, CONFIG)
    stalled = []
    try:
        for i in range(STALLED):
            stalled.append(stalled_subscriber(relay, f"/topics/load/{i}"))
        check(get(relay, "/readyz") == (200, "ready\n"), "ready at first")

        # Past 80 %, not yet at the limit: one warning, and nothing refused.
        publishes = fill_until(relay, 0.82, 0)
        check(used(stats(relay)) < LIMIT, "the first fill overshot the limit; use smaller steps")
        check(relay.wait_log("memory past 80 % of memory_limit", 10), "the warning is logged")
        check(get(relay, "/readyz")[0] == 200, "still ready under the limit")
        check(stats(relay)["resources"]["memory"] == "warning", "/stats shows the warning")

        # Past the limit.
        publishes = fill_until(relay, 1.02, publishes)
        wait_for("the guard to refuse", lambda: stats(relay)["resources"]["memory"] == "over")
        status, body = get(relay, "/readyz")
        check(status == 503 and body.startswith("not ready: over memory_limit: "), f"/readyz: {status} {body!r}")
        check(get(relay, "/healthz") == (200, "ok\n"), "/healthz stays green: the process serves")
        check(await asyncio.to_thread(handshake_status, relay, "/topics/newcomer") == 503,
              "a new subscriber is refused with 503")
        status, body = publish(relay, "load/0", "one more")
        check(status == 503 and b"memory_limit" in body, f"a publish is refused with 503: {status} {body}")
        check(metric(relay, 'sluice_resource_pressure{resource="memory",state="over"} 1'), "the metric says over")
        check(metric(relay, "sluice_ready 0"), "sluice_ready is 0")
        check(relay.wait_log("memory over memory_limit", 5), "the refusal is logged")
        s = stats(relay)
        check(s["ready"] is False and s["not_ready_reason"].startswith("over memory_limit"), "/stats says why")
        check(sum(row["queued_bytes"] for row in s["slowest"]) > 16 << 20, "the stalled subscribers top the table")

        # The stalled subscribers leave: their queues are freed and the relay recovers.
        for sock in stalled:
            sock.close()
        stalled.clear()
        wait_for("/readyz to recover", lambda: get(relay, "/readyz")[0] == 200)
        check(relay.wait_log("accepting new work again", 5), "the recovery is logged")
        check(await asyncio.to_thread(handshake_status, relay, "/topics/newcomer") == 101, "new subscribers again")
        check(publish(relay, "load/0", "after")[0] == 200, "publishes again")
        log = relay.read_log()
        check(log.count("memory past 80 % of memory_limit") == 1, "one warning per crossing, not one per reading")
        check(metric(relay, f'sluice_topic_messages_published_total{{topic="load/*"}} {publishes + 1}'),
              "the topics of load/* are counted under their pattern")

        # shutdown_delay: /readyz fails first, the rest still serves, then the relay exits 0.
        async with websockets.connect(relay.url("/topics/still", "ws")) as subscriber:
            relay.signal(signal.SIGTERM)
            wait_for("/readyz to fail at SIGTERM", lambda: get(relay, "/readyz")[0] == 503, 5)
            check(get(relay, "/readyz") == (503, "not ready: shutting down\n"), "the reason is the shutdown")
            check(publish(relay, "still", "during the delay")[0] == 200, "publishing still works in the delay")
            check(await asyncio.wait_for(subscriber.recv(), 10) == "during the delay", "subscribers still served")
        relay.proc.wait(timeout=20)
        check(relay.proc.returncode == 0, f"exit status {relay.proc.returncode}")
    finally:
        for sock in stalled:
            sock.close()
        relay.stop()


run(main)
