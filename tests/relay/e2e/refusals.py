"""Every refusal gets its exact status: 400 bad topic or URL, 401 without the API key, 403 for
a topic that refuses HTTP publishing, a foreign browser origin or a closed topic, 404 another
WebSocket path, 413 over max_message_size (1009 from a client), 503 past max_connections_per_ip and past
max_connections; a client publishing where it may not is closed with 1008. Each refusal the
relay makes is one log line and one count in GET /stats "refused"; the relay keeps serving
everyone else."""
import asyncio
import json
import re

import websockets

from relay_harness import Relay, check, curl, handshake_status, publish, run

CONFIG = """
[server]
max_message_size = "1KiB"
max_connections = 6
max_connections_per_ip = 4
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

            # A client may not publish to a topic without "clients" in its publish list, nor on
            # a connection to several topics.
            for path in ("/topics/ok", "/topics?topic=ok&topic=other"):
                async with websockets.connect(relay.url(path, "ws")) as client:
                    await client.send("from a client")
                    try:
                        await asyncio.wait_for(client.recv(), 10)
                        raise AssertionError(f"{path}: expected a close")
                    except websockets.exceptions.ConnectionClosed as e:
                        check(e.rcvd is not None and e.rcvd.code == 1008, f"{path}: client publish closed {e.rcvd}")

            # A message over max_message_size from a client: the engine closes it with 1009.
            async with websockets.connect(relay.url("/topics/ok", "ws")) as client:
                await client.send("x" * 1025)
                try:
                    await asyncio.wait_for(client.recv(), 10)
                    raise AssertionError("expected a close after an oversized message")
                except websockets.exceptions.ConnectionClosed as e:
                    check(e.rcvd is not None and e.rcvd.code == 1009, f"oversized client message closed {e.rcvd}")

            # max_connections_per_ip = 4 from 127.0.0.1 (the bystander and three more), then
            # max_connections = 6 with two from 127.0.0.2; both refusals are 503.
            held = [await websockets.connect(relay.url("/topics/ok", "ws")) for _ in range(3)]
            try:
                got = await asyncio.to_thread(handshake_status, relay, "/topics/ok")
                check(got == 503, f"past max_connections_per_ip: {got}")
                for _ in range(2):
                    held.append(await websockets.connect(relay.url("/topics/ok", "ws"), local_addr=("127.0.0.2", 0)))
                got = await asyncio.to_thread(handshake_status, relay, "/topics/ok", None, "127.0.0.3")
                check(got == 503, f"past max_connections: {got}")
            finally:
                for ws in held:
                    await ws.close()
            status, _ = publish(relay, "ok", "after", extra=AUTH)
            check(status == 200, "publish after the refusals")
            check(await asyncio.wait_for(bystander.recv(), 10) == "after", "bystander after the refusals")
        # One line and one count per refusal the relay makes: 6 publishes (2 x 401, 3 x 400,
        # 1 x 403; the 413 is the engine's, which answers before reading a body over the
        # limit), 7 upgrades (2 x 403, 4 x 400, 1 x 404), 2 client messages (403, 400); the
        # engine's two 503s under over_limit.
        log = relay.read_log()
        lines = re.findall(r"(?m)^.*: (?:publish to|subscription to|a message).* refused with \d+: .*$", log)
        check(len(lines) == 6 + 7 + 2, f"one log line per refusal: {len(lines)}\n" + "\n".join(lines))
        check("origin not allowed" in log and "max_connections_per_ip (4) reached" in log
              and "max_connections (6) reached" in log, "refusals say why")
        status, body = curl(relay.url("/stats"))
        refused = json.loads(body)["refused"]
        check(refused == {"bad_request": 3 + 4 + 1, "unauthorized": 2, "forbidden": 1 + 2 + 1, "not_found": 1, "too_large": 0,
                          "over_limit": 2}, f"refusal counts {refused}")
    finally:
        relay.stop()


run(main)
