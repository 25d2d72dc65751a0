"""Server-Sent Events with curl: GET /topics/NAME with Accept: text/event-stream is the same
subscription as the WebSocket. The stream first names the run (event "subscribed"); each
message is an event whose id is its sequence number (TOPIC:SEQ when the subscription may reach
several topics); text keeps its lines, binary arrives base64-encoded as event "binary";
Last-Event-ID resumes with nothing lost or repeated; refusals get the WebSocket's statuses; a
stream that is not read is bounded by its topic's max_buffered_bytes and ended by its policy."""
import asyncio
import base64
import json
import socket

from relay_harness import EventStream, Relay, check, curl, publish, publish_many, run

CONFIG = """
[[topic]]
match = "ev"
history = 100

[[topic]]
match = "multi/*"
history = 100

[[topic]]
match = "closed"
subscribe = "nobody"

[[topic]]
match = "capped"
policy = "close"
max_buffered_bytes = "16KiB"
send_buffer_bytes = "4KiB"
"""


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        stream = await EventStream.open(relay, "/topics/ev")
        hello = await stream.next()
        check(hello.get("event") == "subscribed", f"first event {hello}")
        epoch = json.loads(hello["data"])["subscribed"]["epoch"]
        check(len(epoch) == 16, f"epoch {epoch}")

        check(publish(relay, "ev", "one")[0] == 200, "publish one")
        check(publish(relay, "ev", "two\nlines")[0] == 200, "publish two")
        check(publish(relay, "ev", b"\x00\x01\xff", "application/octet-stream")[0] == 200, "publish binary")
        e = await stream.next()
        check(e == {"id": "1", "data": "one"}, f"first message {e}")
        e = await stream.next()
        check(e == {"id": "2", "data": "two\nlines"}, f"a message of two lines {e}")
        e = await stream.next()
        check(e.get("event") == "binary" and e.get("id") == "3", f"binary {e}")
        check(base64.b64decode(e["data"]) == b"\x00\x01\xff", f"binary payload {e}")
        await stream.close()

        # Gone for two messages; Last-Event-ID brings exactly those, then the live stream.
        check(publish_many(relay, "ev", ["four", "five"]) == [200, 200], "publish while away")
        stream = await EventStream.open(relay, "/topics/ev", last_event_id="3")
        check((await stream.next()).get("event") == "subscribed", "subscribed again")
        got = [await stream.next(), await stream.next()]
        check([(g["id"], g["data"]) for g in got] == [("4", "four"), ("5", "five")], f"resumed {got}")
        check(publish(relay, "ev", "six")[0] == 200, "publish six")
        e = await stream.next()
        check((e["id"], e["data"]) == ("6", "six"), f"live after the replay {e}")
        await stream.close()

        # A position past the end (another run's) is a reset, never a silent hole.
        stream = await EventStream.open(relay, "/topics/ev", last_event_id="99")
        await stream.next()
        e = await stream.next()
        check(e.get("event") == "reset" and json.loads(e["data"])["reset"]["since"] == 99, f"reset {e}")
        await stream.close()

        # Several topics: ids carry the topic, and format=json sends envelopes.
        stream = await EventStream.open(relay, "/topics?topic=multi/*&format=json")
        await stream.next()
        check(publish(relay, "multi/a", "x")[0] == 200, "publish multi/a")
        e = await stream.next()
        envelope = json.loads(e["data"])
        check(e["id"] == "multi/a:1" and envelope["topic"] == "multi/a" and envelope["data"] == "x",
              f"multi-topic event {e}")
        await stream.close()

        # Refusals, with the WebSocket's statuses.
        status, _ = curl("-H", "Accept: text/event-stream", relay.url("/topics/closed"))
        check(status == 403, f"a topic without subscribers answered {status}")
        status, _ = curl("-H", "Accept: text/event-stream", "-H", "Last-Event-ID: x", relay.url("/topics/ev"))
        check(status == 400, f"a malformed Last-Event-ID answered {status}")
        status, body = curl(relay.url("/topics/ev"))
        check(status == 200 and json.loads(body)["last_seq"] == 6, "without the header: the topic's summary")

        # A stream that is never read: its topic's cap bounds it and its policy ends it.
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", relay.port))
        s.sendall(b"GET /topics/capped HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        check(s.recv(12) == b"HTTP/1.1 200", "the stalled stream opened")
        for _ in range(4):
            publish_many(relay, "capped", ["y" * 1024] * 256)
            if relay.wait_log("slow consumer", 2):
                break
        check(relay.wait_log("slow consumer", 10), "the stalled stream was closed by its topic's policy")
        s.close()
    finally:
        relay.stop()


run(main)
