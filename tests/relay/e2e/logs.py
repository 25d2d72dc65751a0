"""Logs people can use, as JSON (--log-format json): one line per connection opened and closed
with its figures, a line a second while slow consumers lose messages, the reload line, and a
flood of one event held to a burst with the count of what was suppressed."""
import asyncio
import json
import signal
import time

import websockets

from relay_harness import Relay, check, publish, run, stalled_subscriber

CONFIG = """
[server]
close_timeout = "200ms"
max_buffered_bytes = "64KiB"
low_watermark = "16KiB"
send_buffer_bytes = "8KiB"

[[topic]]
match = "slow"
policy = "drop_newest"
"""

FLOOD = 60  # connections failed by the same protocol error, back to back
UNMASKED_TEXT = b"\x81\x01x"  # a client frame without the mask bit: 1002


def lines(relay):
    out = []
    for text in relay.read_log().splitlines():
        record = json.loads(text)  # every line is one JSON object
        check({"time", "level", "msg"} <= record.keys(), f"a line without time, level and msg: {text}")
        out.append(record)
    return out


def wait_for_line(relay, predicate, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [r for r in lines(relay) if predicate(r)]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no log line for {what}; log:\n{relay.read_log()}")


async def main(binary):
    relay = Relay(binary, CONFIG, args=("--log-format", "json"))
    try:
        async with websockets.connect(relay.url("/topics/greetings", "ws")) as ws:
            publish(relay, "greetings", "hello")
            check(await asyncio.wait_for(ws.recv(), 10) == "hello", "delivered")
        closed = wait_for_line(relay, lambda r: r["msg"] == "connection closed" and r["path"] == "/topics/greetings",
                               "the closed connection")[0]
        opened = [r for r in lines(relay) if r["msg"] == "connection opened" and r["path"] == "/topics/greetings"]
        check(len(opened) == 1 and opened[0]["peer"] == "127.0.0.1", f"opened: {opened}")
        check(closed["peer"] == "127.0.0.1" and closed["code"] == 1000 and closed["messages_out"] == 1,
              f"closed: {closed}")
        check(closed["bytes_out"] == 7 and closed["dropped"] == 0 and closed["duration_s"] >= 0, f"closed: {closed}")

        # Policy actions: a subscriber that never reads loses messages under drop_newest.
        stalled = stalled_subscriber(relay, "/topics/slow")
        for _ in range(100):
            publish(relay, "slow", "s" * 4096)
        drops = wait_for_line(relay, lambda r: r["msg"].startswith("slow consumers") and r.get("drop_newest", 0) > 0,
                              "the dropped messages")
        check(drops[0]["level"] == "warn", f"drops: {drops}")
        stalled.close()

        relay.signal(signal.SIGHUP)
        wait_for_line(relay, lambda r: r["msg"].startswith("reloaded "), "the reload")

        # A flood of one protocol error: a burst of lines, then the count of the rest.
        for _ in range(FLOOD):
            async with websockets.connect(relay.url("/topics/flood", "ws")) as ws:
                ws.transport.write(UNMASKED_TEXT)  # raw bytes: the client's own framing would mask them
                await asyncio.wait_for(ws.wait_closed(), 10)

        def failed(r):
            return "closing with 1002" in r["msg"]

        def accounted():
            total = 0
            for r in lines(relay):
                if not failed(r):
                    continue
                if "more lines like this were suppressed" in r["msg"]:
                    total += int(r["msg"].split()[0])
                else:
                    total += 1 + r.get("suppressed", 0)
            return total

        deadline = time.time() + 10
        while accounted() < FLOOD and time.time() < deadline:
            await asyncio.sleep(0.2)
        written = [r for r in lines(relay) if failed(r)]
        check(accounted() == FLOOD, f"every failure is a line or counted in one: {accounted()} of {FLOOD}")
        check(len(written) < FLOOD, f"the flood was held back: {len(written)} lines")
    finally:
        relay.stop()


run(main)
