#!/usr/bin/env python3
"""A stand-in for the relay's HTTP side, for testing the dashboard without the relay.

It serves the embedded dashboard as dumped by sluice-relay-dashboard-dump, pushes a changing
snapshot on /stats/ws every second in the exact shape of stats_example.json (the text the
relay's StatsSnapshot writer produces, checked by stats_json_test.cpp), echoes envelopes on
/topics/NAME?format=json and answers POST /topics/NAME as the relay will. Standard library and
Debian's python3-websockets (its sans-I/O ServerConnection) only; listens on 127.0.0.1 and
stops by itself after --lifetime seconds.

Usage: fake_relay.py --assets DIR [--port 0] [--lifetime 300]
Prints "listening on http://127.0.0.1:PORT/" once ready. POST /_fake/restart drops every
/stats/ws connection and refuses new ones for a moment, as a relay restart would.
"""

import argparse
import asyncio
import base64
import copy
import json
import math
import os
import random
import sys
import time
import urllib.parse

from websockets.frames import Opcode
from websockets.server import ServerConnection

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024


def now_ms():
    return int(time.time() * 1000)


def same_shape(a, b, where="snapshot"):
    """Raises if b's keys (recursively, rows by the first row) differ from a's."""
    if isinstance(a, dict):
        if not isinstance(b, dict) or list(a) != list(b):
            raise AssertionError(f"{where}: keys {list(b)} differ from {list(a)}")
        for key in a:
            if a[key] is not None and b[key] is not None:
                same_shape(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        if not isinstance(b, list):
            raise AssertionError(f"{where}: not a list")
        for row in b:
            if a:
                same_shape(a[0], row, f"{where}[]")
    elif type(a) in (int, float) and type(b) in (int, float):
        pass
    elif type(a) is not type(b):
        raise AssertionError(f"{where}: {type(b).__name__} instead of {type(a).__name__}")


def topic_matches(pattern, topic):
    p, t = pattern.split("/"), topic.split("/")
    for i, level in enumerate(p):
        if level == "**":
            return True
        if i >= len(t) or (level != "*" and level != t[i]):
            return False
    return len(p) == len(t)


def envelope(topic, seq, payload):
    message = {"topic": topic, "seq": seq, "time": now_ms()}
    try:
        message["data"] = payload.decode("utf-8")
    except UnicodeDecodeError:
        message["data_b64"] = base64.b64encode(payload).decode("ascii")
    return json.dumps(message, separators=(",", ":"))


class WebSocketPeer:
    """One upgraded connection, driven through websockets' sans-I/O protocol object."""

    def __init__(self, protocol, reader, writer):
        self.protocol = protocol
        self.reader = reader
        self.writer = writer

    async def flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)
            elif self.writer.can_write_eof():
                try:
                    self.writer.write_eof()
                except OSError:
                    pass
        try:
            await self.writer.drain()
        except ConnectionError:
            pass

    async def send(self, text):
        if self.protocol.state.name != "OPEN":
            return
        self.protocol.send_text(text.encode("utf-8"))
        await self.flush()

    async def close(self, code=1000, reason=""):
        if self.protocol.state.name == "OPEN":
            self.protocol.send_close(code, reason)
            await self.flush()

    async def read_until_closed(self):
        """Answers pings and close frames; returns when the connection is over."""
        while True:
            data = await self.reader.read(65536)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            closed = False
            for event in self.protocol.events_received():
                if event.opcode == Opcode.CLOSE:
                    closed = True
            await self.flush()
            if not data or closed or self.protocol.state.name == "CLOSED":
                return


class FakeRelay:
    def __init__(self, assets_dir):
        with open(os.path.join(assets_dir, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assets = {}
        for asset in manifest:
            with open(os.path.join(assets_dir, asset["file"]), "rb") as f:
                self.assets[asset["path"]] = (asset["content_type"], asset["etag"], f.read())
        with open(os.path.join(HERE, "stats_example.json"), encoding="utf-8") as f:
            self.template = json.load(f)
        self.started = time.time()
        self.stats_peers = set()
        self.sending = set()  # stats peers with a snapshot still going out
        self.send_tasks = set()
        self.refuse_stats_until = 0.0
        self.subscriptions = {}  # peer -> pattern
        self.last_seq = {"sensors/radio": 9000, "sensors/gps": 120, "logs/app": 3}
        self.totals = {"received": 9100, "published": 9000, "delivered": 360000,
                       "bytes_in": 2275000, "bytes_out": 90000000, "opened": 57, "closed": 16,
                       "source_bytes": [2250000, 30000, 12], "restarts": 1, "errors": 2}
        self.dropped = dict(self.template["dropped"])
        self.high_water = 262144
        self.rss = 9 * 1024 * 1024
        self.snapshot = self.make_snapshot()
        same_shape(self.template, self.snapshot)

    # ---- the snapshot

    def tick(self):
        """Advances the fake figures by one second."""
        rate = 200 + random.randint(0, 40)
        opened = random.randint(0, 3)
        self.totals["opened"] += opened
        self.totals["closed"] += random.randint(0, opened)
        self.totals["received"] += rate
        self.totals["published"] += rate
        self.last_seq["sensors/radio"] += rate - 10
        self.last_seq["sensors/gps"] += 10
        subscribers = self.open_connections()
        self.totals["delivered"] += rate * subscribers
        self.totals["bytes_in"] += rate * 250
        self.totals["bytes_out"] += rate * subscribers * 260
        self.totals["source_bytes"][0] += (rate - 10) * 250
        self.totals["source_bytes"][1] += 10 * 60
        self.dropped["drop_newest"] += random.randint(1, 4)
        self.dropped["latest"] += random.randint(0, 2)
        if random.random() < 0.2:
            self.totals["restarts"] += 1
            self.totals["errors"] += 1
        self.rss = max(8 << 20, min(16 << 20, self.rss + random.randint(-1, 2) * 256 * 1024))
        self.snapshot = self.make_snapshot()

    def open_connections(self):
        t = time.time() - self.started
        return 40 + int(8 * math.sin(t / 4)) + random.randint(0, 2) + len(self.subscriptions)

    def make_snapshot(self):
        s = copy.deepcopy(self.template)
        uptime = time.time() - self.started
        user = random.randint(16, 256) * 1024
        self.high_water = max(self.high_water, user)
        s["time"] = now_ms()
        s["uptime_seconds"] = round(uptime, 3)
        s["connections"].update(handshaking=random.randint(0, 2), open=self.open_connections(),
                                closing=random.randint(0, 1), opened_total=self.totals["opened"],
                                closed_total=self.totals["closed"])
        s["messages"].update(received_total=self.totals["received"],
                             published_total=self.totals["published"],
                             delivered_total=self.totals["delivered"])
        s["bytes"].update(received_total=self.totals["bytes_in"], sent_total=self.totals["bytes_out"])
        s["dropped"] = dict(self.dropped)
        s["buffered"].update(user_bytes=user, kernel_bytes=random.randint(32, 512) * 1024,
                             high_water_bytes=self.high_water)
        s["memory"].update(used_bytes=user + 3 * 1024 * 1024, rss_bytes=self.rss)

        row = s["topics"][0]
        topics = []
        for name, seq in sorted(self.last_seq.items(), key=lambda kv: -kv[1]):
            subscribers = sum(1 for p in self.subscriptions.values() if topic_matches(p, name))
            topics.append(dict(row, name=name, last_seq=seq,
                               subscribers=(38 if name == "sensors/radio" else 0) + subscribers,
                               messages_per_second=float(random.randint(180, 230)) if name == "sensors/radio"
                               else (10.0 if name == "sensors/gps" else 0.0),
                               dropped=self.dropped["drop_newest"] if name == "sensors/radio" else 0))
        s["topic_count"] = len(topics)
        s["topics"] = topics

        serial, exec_row = s["sources"]
        s["sources"] = [
            dict(serial, messages_per_second=float(random.randint(180, 230)), bytes=self.totals["source_bytes"][0]),
            dict(serial, name="gps", type="udp", messages_per_second=10.0, bytes=self.totals["source_bytes"][1],
                 restarts=0),
            dict(exec_row, restarts=self.totals["restarts"], errors=self.totals["errors"],
                 state=random.choice(["backoff", "starting"])),
        ]
        slow = s["slowest"][0]
        s["slowest"] = [
            dict(slow, peer=f"127.0.0.1:{51234 + i}", age_seconds=round(uptime + 30 - 7 * i, 1),
                 queued_bytes=random.randint(8, 64) * 1024 >> i, kernel_queued_bytes=random.randint(64, 256) * 1024 >> i,
                 dropped=self.dropped["drop_newest"] >> i)
            for i in range(3)
        ]
        return s

    def snapshot_json(self):
        return json.dumps(self.snapshot, separators=(",", ":"))

    async def run_ticks(self):
        while True:
            await asyncio.sleep(1)
            self.tick()
            text = self.snapshot_json()
            for peer in list(self.stats_peers):
                self.send_snapshot(peer, text)

    def send_snapshot(self, peer, text):
        """Each page on its own: one slow to read (or gone) holds up no other page's snapshots,
        and gets the newest once it has taken the last."""
        if peer in self.sending:
            return
        self.sending.add(peer)

        async def send():
            try:
                await peer.send(text)
            finally:
                self.sending.discard(peer)

        task = asyncio.get_running_loop().create_task(send())
        self.send_tasks.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(self.send_tasks.discard)

    # ---- publishing

    async def publish(self, topic, payload):
        seq = self.last_seq.get(topic, 0) + 1
        self.last_seq[topic] = seq
        self.totals["received"] += 1
        self.totals["published"] += 1
        text = envelope(topic, seq, payload)
        receivers = [peer for peer, pattern in self.subscriptions.items() if topic_matches(pattern, topic)]
        for peer in receivers:
            await peer.send(text)
        return seq, len(receivers)

    async def demo_messages(self, peer, pattern):
        """What a source on sensors/radio would publish: a reading twice a second, every fifth one binary."""
        n = 0
        while peer in self.subscriptions:
            await asyncio.sleep(0.5)
            n += 1
            topic = "sensors/radio"
            if not topic_matches(pattern, topic):
                continue
            seq = self.last_seq[topic] = self.last_seq[topic] + 1
            # 0xFF is never UTF-8, so these go out as "data_b64".
            payload = bytes([0xFF, 0, 1, n % 256]) if n % 5 == 0 else json.dumps({"t": round(20 + random.random() * 3, 2)}).encode()
            await peer.send(envelope(topic, seq, payload))

    # ---- HTTP

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        try:
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            url = urllib.parse.urlsplit(target)
            path = urllib.parse.unquote(url.path)
            if "websocket" in headers.get("upgrade", "").lower():
                await self.upgrade(head, reader, writer, path, urllib.parse.parse_qs(url.query))
                return
            body = b""
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                await self.respond(writer, 413, {"error": "body too large"})
                return
            if length:
                body = await reader.readexactly(length)
            await self.route(writer, method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except ValueError:
            await self.respond(writer, 400, {"error": "bad request"})
        finally:
            writer.close()

    async def respond(self, writer, status, body, content_type="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":")).encode()
        reasons = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
                   405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}
        lines = [f"HTTP/1.1 {status} {reasons.get(status, 'Error')}", f"Content-Type: {content_type}",
                 f"Content-Length: {len(body)}", "Cache-Control: no-cache", "Connection: close", *extra]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()

    async def route(self, writer, method, path, body):
        if method == "GET" and path in self.assets:
            content_type, etag, data = self.assets[path]
            await self.respond(writer, 200, data, content_type, [f"ETag: {etag}"])
        elif method == "GET" and path == "/stats":
            await self.respond(writer, 200, self.snapshot_json().encode())
        elif method == "POST" and path.startswith("/topics/"):
            topic = path[len("/topics/"):]
            if not topic or "*" in topic or "" in topic.split("/"):
                await self.respond(writer, 400, {"error": "not a topic name"})
                return
            seq, subscribers = await self.publish(topic, body)
            # The relay answers a publish nobody receives with an error, not 200.
            if subscribers == 0:
                await self.respond(writer, 404, {"topic": topic, "seq": seq, "subscribers": 0,
                                                 "error": "no subscribers"})
                return
            await self.respond(writer, 200, {"topic": topic, "seq": seq, "subscribers": subscribers})
        elif method == "POST" and path == "/_fake/restart":
            self.refuse_stats_until = time.time() + 1.5
            self.started = time.time()
            for peer in list(self.stats_peers):
                await peer.close(1001, "restarting")
            await self.respond(writer, 200, {"restarted": True})
        elif method not in ("GET", "POST"):
            await self.respond(writer, 405, {"error": "method not allowed"})
        else:
            await self.respond(writer, 404, {"error": "not found"})

    async def upgrade(self, head, reader, writer, path, query):
        if path == "/stats/ws" and time.time() < self.refuse_stats_until:
            await self.respond(writer, 503, {"error": "restarting"})
            return
        if path != "/stats/ws" and not (path.startswith("/topics/") and len(path) > len("/topics/")):
            await self.respond(writer, 404, {"error": "not found"})
            return
        protocol = ServerConnection()
        protocol.receive_data(head)
        request = protocol.events_received()[0]
        protocol.send_response(protocol.accept(request))
        peer = WebSocketPeer(protocol, reader, writer)
        await peer.flush()
        if path == "/stats/ws":
            self.stats_peers.add(peer)
            await peer.send(self.snapshot_json())
            try:
                await peer.read_until_closed()
            finally:
                self.stats_peers.discard(peer)
            return
        pattern = path[len("/topics/"):]
        self.subscriptions[peer] = pattern
        if "since" in query:
            since = int(query["since"][0])
            last = self.last_seq.get(pattern, 0)
            if since < last:
                await peer.send(json.dumps({"topic": pattern, "gap": {"from": since + 1, "to": last,
                                                                      "reason": "evicted"}},
                                           separators=(",", ":")))
        demo = asyncio.create_task(self.demo_messages(peer, pattern))
        try:
            await peer.read_until_closed()
        finally:
            self.subscriptions.pop(peer, None)
            demo.cancel()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", required=True, help="directory written by sluice-relay-dashboard-dump")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=300, help="seconds before it stops by itself")
    args = parser.parse_args()

    relay = FakeRelay(args.assets)
    server = await asyncio.start_server(relay.handle, "127.0.0.1", args.port, limit=MAX_HEAD)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    ticks = asyncio.create_task(relay.run_ticks())
    try:
        await asyncio.wait_for(server.serve_forever(), timeout=args.lifetime)
    except asyncio.TimeoutError:
        pass
    finally:
        ticks.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
