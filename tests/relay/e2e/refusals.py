"""Every refusal gets its exact status: 400 bad topic or URL, 401 without the API key, 403 for
a topic that refuses HTTP publishing, a foreign browser origin or a closed topic, 404 another
WebSocket path, 413 over max_message_size, 503 past max_connections; and the relay keeps
serving everyone else."""
import asyncio
import json

import websockets

from relay_harness import Relay, check, curl, handshake_status, publish, run

CONFIG = """
[server]
max_message_size = "1KiB"
max_connections = 6
allowed_origins = ["http://good.example"]
api_key = "s3cret"

[[topic]]
match = "readonly/**"
publish = []

[[topic]]
match = "private"
subscribe = "nobody"
"""

AUTH = ("-H", "Authorization: Bearer s3cret")


async def main(binary):
    relay = Relay(binary, CONFIG)
    try:
        async with websockets.connect(relay.url("/topics/ok", "ws")) as bystander:
            expect = [
                (publish(relay, "ok", "x"), 401, "no API key"),
                (publish(relay, "ok", "x", extra=("-H", "Authorization: Bearer wrong")), 401, "wrong key"),
                (publish(relay, "a//b", "x", extra=AUTH), 400, "empty level"),
                (publish(relay, "a/*", "x", extra=AUTH), 400, "wildcard in a name"),
                (publish(relay, "ok", b"\xff\xfe", extra=AUTH), 400, "text that is not UTF-8"),
                (publish(relay, "ok", "x" * 1025, extra=AUTH), 413, "over max_message_size"),
                (publish(relay, "readonly/x", "x", extra=AUTH), 403, "topic without HTTP publishing"),
            ]
            for (status, body), want, what in expect:
                check(status == want, f"{what}: got {status} {body}")
            status, body = publish(relay, "ok", "fine", extra=AUTH)
            check(status == 200, f"good publish {status} {body}")
            check(await asyncio.wait_for(bystander.recv(), 10) == "fine", "the bystander still receives")

            ws_expect = [
                ("/topics/ok", {"Origin": "http://evil.example"}, 403),
                ("/topics/private", None, 403),
                ("/topics/a//b", None, 400),
                ("/topics/ok?since=3", None, 400),  # since needs format=json
                ("/topics/a/*?format=json&since=3", None, 400),  # since needs one exact topic
                ("/topics/ok?bogus=1", None, 400),
                ("/elsewhere", None, 404),
            ]
            for path, headers, want in ws_expect:
                got = await asyncio.to_thread(handshake_status, relay, path, headers)
                check(got == want, f"upgrade {path} {headers}: got {got}, want {want}")
            check(await asyncio.to_thread(handshake_status, relay, "/topics/ok",
                                          {"Origin": "http://good.example"}) == 101, "allowed origin")

            # max_connections = 6: with the bystander and five more, the next one gets 503.
            held = [await websockets.connect(relay.url("/topics/ok", "ws")) for _ in range(5)]
            try:
                got = await asyncio.to_thread(handshake_status, relay, "/topics/ok")
                check(got == 503, f"past max_connections: {got}")
            finally:
                for ws in held:
                    await ws.close()
            status, _ = publish(relay, "ok", "after", extra=AUTH)
            check(status == 200, "publish after the refusals")
            check(await asyncio.wait_for(bystander.recv(), 10) == "after", "bystander after the refusals")
        log = relay.read_log()
        check("refused with 403" in log and "origin not allowed" in log, "refusals are logged")
    finally:
        relay.stop()


run(main)
