"""Per-topic settings, the most specific entry first: a topic's slow-consumer policy (latest
keeps a stalled subscriber and its newest message, where the wider entry's close ends one),
its send_buffer_bytes on the subscriber's socket, history bounded by bytes and by age, and who
may subscribe; GET /topics and GET /topics/NAME describe the topics as JSON; a reload changes
who may publish without dropping a connection."""
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import tempfile

import websockets

from relay_harness import Relay, check, curl, handshake_status, publish, publish_many, run

CONFIG = """
[server]
max_buffered_bytes = "128KiB"
low_watermark = "32KiB"
write_timeout = "0s"
send_buffer_bytes = "16KiB"
api_key_file = "{key_file}"
http_publish_from = ["127.0.0.0/8"]

[[topic]]
match = "feed/**"
policy = "close"
publish = ["http"]

[[topic]]
match = "feed/latest"
policy = "latest"
send_buffer_bytes = "48KiB"
publish = ["http"]

[[topic]]
match = "hb"
history = 100
history_bytes = "2KiB"

[[topic]]
match = "ha"
history = 100
history_age = "1s"

[[topic]]
match = "keyed/**"
subscribe = "api_key"
"""

UPGRADE = (b"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def stalled_subscriber(relay, path):
    """A raw socket that completes the handshake, then reads nothing until asked."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", relay.port))
    s.sendall(UPGRADE.replace(b"{path}", path.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    check(head.startswith(b"HTTP/1.1 101"), f"{path} handshake {head!r}")
    return s


def read_frames(s, timeout):
    """Every unmasked server frame until the socket is idle for `timeout` or closed: a list of
    (opcode, payload)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    frames, i = [], 0
    while i + 2 <= len(data):
        opcode, n = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n = int.from_bytes(data[i:i + 2], "big")
            i += 2
        elif n == 127:
            n = int.from_bytes(data[i:i + 8], "big")
            i += 8
        frames.append((opcode, data[i:i + n]))
        i += n
    return frames


def send_buffer_of(relay, client):
    """SO_SNDBUF of the relay's end of `client`'s connection, as `ss` reports it (tb)."""
    peer_port = client.getsockname()[1]
    out = subprocess.run(["ss", "-tmnH", "state", "established", f"( sport = :{relay.port} and dport = :{peer_port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"tb(\d+)", out)
    return int(m.group(1)) if m else None


async def flood(relay, topic, count, size):
    bodies = [f"{i:06d}" + "x" * size for i in range(count)]
    statuses = await asyncio.to_thread(publish_many, relay, topic, bodies, {"Authorization": "Bearer k3y"})
    check(statuses == [200] * count, f"publish to {topic}: {set(statuses)}")


async def main(binary):
    key_dir = tempfile.mkdtemp(prefix="sluice-e2e-key-")
    key_file = os.path.join(key_dir, "key")
    with open(key_file, "w") as f:
        f.write("k3y\n")
    relay = Relay(binary, CONFIG.replace("{key_file}", key_file))
    auth = ("-H", "Authorization: Bearer k3y")
    try:
        check("max_buffered_bytes" not in relay.read_log(), "no warning for settings that apply")
        # latest (feed/latest) against close (feed/**): both subscribers stall.
        keeps = stalled_subscriber(relay, "/topics/feed/latest")
        closes = stalled_subscriber(relay, "/topics/feed/other")
        tb = send_buffer_of(relay, keeps)
        check(tb == 2 * 48 * 1024, f"send_buffer_bytes on the feed/latest subscriber's socket: tb {tb}")
        async with websockets.connect(relay.url("/topics/feed/latest", "ws"), max_queue=None) as watcher:
            await flood(relay, "feed/latest", 400, 2000)  # 800 KB, far over the 128 KiB cap
            await flood(relay, "feed/other", 400, 2000)
            check(relay.wait_log("slow consumer", 20), "the feed/other subscriber is closed by its policy")
            # The one that reads gets everything; the stalled one on feed/latest stays open and,
            # once it reads, gets a bounded run ending with the newest message.
            got = [await asyncio.wait_for(watcher.recv(), 20) for _ in range(400)]
            check([m[:6] for m in got] == [f"{i:06d}" for i in range(400)], "the reader got every message")
        frames = read_frames(keeps, 3)
        texts = [p for op, p in frames if op == 1]
        check(texts and texts[-1].startswith(b"000399"), f"latest kept the newest: {texts[-1][:6] if texts else None}")
        check(len(texts) < 400 and all(op != 8 for op, _ in frames), f"conflated, not closed: {len(texts)} frames")
        frames = read_frames(closes, 20)
        check(frames and frames[-1][0] == 8 and int.from_bytes(frames[-1][1][:2], "big") == 1008,
              "the feed/other subscriber got a 1008 close")
        keeps.close()
        closes.close()

        # history_bytes: 20 messages of 300 bytes, 2 KiB of history: the oldest are gone.
        for i in range(1, 21):
            check(publish(relay, "hb", f"{i:03d}" + "y" * 297, extra=auth)[0] == 200, "publish hb")
        status, body = curl(relay.url("/topics/hb"))
        hb = json.loads(body)
        check(status == 200 and hb["last_seq"] == 20 and 0 < hb["history_messages"] < 20
              and hb["history_bytes"] <= 2048 + 1024, f"GET /topics/hb {hb}")
        async with websockets.connect(relay.url("/topics/hb?format=json&since=0", "ws")) as ws:
            await ws.recv()  # subscribed
            gap = json.loads(await asyncio.wait_for(ws.recv(), 10))
            held = hb["history_messages"]
            check(gap.get("gap") == {"from": 1, "to": 20 - held, "reason": "evicted"}, f"history_bytes gap {gap}")
            seqs = [json.loads(await asyncio.wait_for(ws.recv(), 10))["seq"] for _ in range(held)]
            check(seqs == list(range(21 - held, 21)), f"what the bytes bound kept {seqs}")

        # history_age: older than a second is gone at the next resume.
        for text in ("old1", "old2", "old3"):
            publish(relay, "ha", text, extra=auth)
        await asyncio.sleep(1.5)
        publish(relay, "ha", "new4", extra=auth)
        async with websockets.connect(relay.url("/topics/ha?format=json&since=0", "ws")) as ws:
            await ws.recv()  # subscribed
            gap = json.loads(await asyncio.wait_for(ws.recv(), 10))
            check(gap.get("gap") == {"from": 1, "to": 3, "reason": "evicted"}, f"history_age gap {gap}")
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            check((m["seq"], m["data"]) == (4, "new4"), f"after the age gap {m}")

        # subscribe = "api_key": the key from api_key_file, as a header or ?api_key=.
        check(await asyncio.to_thread(handshake_status, relay, "/topics/keyed/a") == 401, "keyed without key")
        check(await asyncio.to_thread(handshake_status, relay, "/topics/keyed/a?api_key=nope") == 401, "keyed wrong key")
        check(await asyncio.to_thread(handshake_status, relay, "/topics/keyed/a?api_key=k3y") == 101, "keyed ?api_key=")
        check(await asyncio.to_thread(handshake_status, relay, "/topics/keyed/a",
                                      {"Authorization": "Bearer k3y"}) == 101, "keyed with the header")

        # GET /topics and /topics/NAME.
        async with websockets.connect(relay.url("/topics/hb", "ws")) as a, \
                websockets.connect(relay.url("/topics?topic=hb&topic=ha", "ws")) as b:
            await asyncio.sleep(0.2)
            status, body = curl(relay.url("/topics/hb"))
            hb = json.loads(body)
            check(status == 200 and set(hb) == {"name", "subscribers", "last_seq", "published", "messages_per_second",
                                                "history_messages", "history_bytes"}, f"GET /topics/hb keys {hb}")
            check(hb["name"] == "hb" and hb["subscribers"] == 2 and hb["published"] == 20, f"GET /topics/hb {hb}")
            status, body = curl(relay.url("/topics"))
            listed = {t["name"]: t for t in json.loads(body)["topics"]}
            check(status == 200 and {"feed/latest", "feed/other", "hb", "ha"} <= set(listed), f"GET /topics {listed}")
            check(listed["ha"]["subscribers"] == 1 and listed["ha"]["last_seq"] == 4, f"GET /topics ha {listed['ha']}")
            check(curl(relay.url("/topics/never/published"))[0] == 404, "unknown topic: 404")
            check(curl(relay.url("/topics/a//b"))[0] == 400, "bad topic name: 400")

            # A reload takes HTTP publishing away from hb; the subscribers stay connected.
            relay.write_config(CONFIG.replace("{key_file}", key_file).replace(
                'match = "hb"\n', 'match = "hb"\npublish = []\n')
                .replace('send_buffer_bytes = "48KiB"', 'send_buffer_bytes = "40KiB"\nmax_buffered_bytes = "64KiB"'))
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("reloaded"), "reload")
            check(publish(relay, "hb", "nope", extra=auth)[0] == 403, "publish refused after the reload")
            log = relay.read_log()
            check('"feed/latest": send_buffer_bytes 40960 takes effect at the next start' in log,
                  "a new send_buffer_bytes waits for a restart, and says so")
            check('"feed/latest": max_buffered_bytes is not applied per topic yet' in log,
                  "a per-topic max_buffered_bytes says it is not applied")
            check(publish(relay, "ha", "still", extra=auth)[0] == 200, "other topics unchanged")
            check(await asyncio.wait_for(b.recv(), 10) == "still", "the connection lived through the reload")
    finally:
        relay.stop()


run(main)
