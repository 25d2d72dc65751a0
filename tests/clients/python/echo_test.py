"""Interop: Debian's python3-websockets client (and plain sockets) against sluice-echo.

Usage: python3 echo_test.py PATH_TO_SLUICE_ECHO. Each check runs against a server this script
starts on a free port and stops by PID; every wait is bounded.
"""
import asyncio
import http.client
import os
import re
import signal
import socket
import subprocess
import sys

import websockets

ECHO = sys.argv[1]


class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([ECHO, "--port", "0", "--log-level", "error", *args],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
        assert m, f"no listening line: {line!r}"
        self.port = int(m.group(1))
        self.url = f"ws://127.0.0.1:{self.port}/"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


async def text_and_binary_keep_their_type(url):
    async with websockets.connect(url) as ws:
        await ws.send("héllo, wörld")
        assert await ws.recv() == "héllo, wörld"
        await ws.send(b"\x00\x01\xff")
        assert await ws.recv() == b"\x00\x01\xff"


async def sizes_at_the_length_boundaries(url):
    async with websockets.connect(url, max_size=None) as ws:
        for size in (0, 125, 126, 65535, 65536, 1 << 20, 16 << 20):
            payload = bytes([size % 251]) * size
            await ws.send(payload)
            assert await ws.recv() == payload, size


async def pipelined_messages_come_back_in_order(url):
    async with websockets.connect(url, max_queue=None) as ws:
        for i in range(10000):
            await ws.send(f"m{i}")
        for i in range(10000):
            assert await ws.recv() == f"m{i}"


async def ping_gets_pong(url):
    async with websockets.connect(url) as ws:
        waiter = await ws.ping(b"are you there")
        await asyncio.wait_for(waiter, 5)


async def close_code_and_reason_are_echoed(url):
    ws = await websockets.connect(url)
    await ws.close(code=4000, reason="bye")
    assert ws.close_code == 4000, ws.close_code


async def fragmented_message_is_reassembled(url):
    async with websockets.connect(url) as ws:
        await ws.send(iter(["frag", "men", "ted"]))
        assert await ws.recv() == "fragmented"


async def fifty_concurrent_connections_echo(url):
    sockets = [await websockets.connect(url) for _ in range(50)]
    for i, ws in enumerate(sockets):
        await ws.send(f"from {i}")
    for i, ws in enumerate(sockets):
        assert await ws.recv() == f"from {i}"
    for ws in sockets:
        await ws.close()


async def offered_subprotocol_is_not_selected(url):
    # sluice-echo chooses none; a client that requires one must refuse, not hang or crash.
    try:
        async with websockets.connect(url, subprotocols=["chat"]) as ws:
            assert ws.subprotocol is None
    except websockets.exceptions.InvalidHandshake:
        pass


def raw_upgrade(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def masked_frame(opcode, payload, fin=True):
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + key + body


def read_close_code(s):
    data = b""
    while len(data) < 4:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data[0] == 0x88, data
    return int.from_bytes(data[2:4], "big")


def invalid_utf8_split_across_fragments_closes_with_1007(port):
    s = raw_upgrade(port)
    s.sendall(masked_frame(0x1, b"ok \xce", fin=False) + masked_frame(0x0, b"\x28", fin=True))
    assert read_close_code(s) == 1007
    s.close()


def plain_get_of_an_unknown_path_is_404(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/nope")
    assert conn.getresponse().status == 404


def version_8_is_426_with_the_version_header(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                      "Sec-WebSocket-Version": "8"})
    r = conn.getresponse()
    assert r.status == 426 and r.getheader("Sec-WebSocket-Version") == "13", (r.status, r.headers)


async def oversized_message_closes_with_1009_and_others_keep_working(url):
    bystander = await websockets.connect(url)
    ws = await websockets.connect(url)
    await ws.send(b"x" * 2000)
    try:
        await asyncio.wait_for(ws.recv(), 5)
        raise AssertionError("expected a close")
    except websockets.exceptions.ConnectionClosed:
        pass
    assert ws.close_code == 1009, ws.close_code
    await bystander.send("still here")
    assert await bystander.recv() == "still here"
    await bystander.close()


async def sigterm_closes_everyone_with_1001(server):
    clients = [await websockets.connect(server.url) for _ in range(3)]
    server.proc.send_signal(signal.SIGTERM)
    for ws in clients:
        await asyncio.wait_for(ws.wait_closed(), 10)
        assert ws.close_code == 1001, ws.close_code
    assert server.proc.wait(timeout=10) == 0


async def main():
    passed = 0
    server = Server()
    try:
        for check in (text_and_binary_keep_their_type, sizes_at_the_length_boundaries,
                      pipelined_messages_come_back_in_order, ping_gets_pong,
                      close_code_and_reason_are_echoed, fragmented_message_is_reassembled,
                      fifty_concurrent_connections_echo, offered_subprotocol_is_not_selected):
            await asyncio.wait_for(check(server.url), 60)
            print("ok", check.__name__)
            passed += 1
        for check in (invalid_utf8_split_across_fragments_closes_with_1007, plain_get_of_an_unknown_path_is_404,
                      version_8_is_426_with_the_version_header):
            check(server.port)
            print("ok", check.__name__)
            passed += 1
    finally:
        server.stop()

    small = Server("--max-message-size", "1000")
    try:
        await asyncio.wait_for(oversized_message_closes_with_1009_and_others_keep_working(small.url), 30)
        print("ok oversized_message_closes_with_1009_and_others_keep_working")
        passed += 1
    finally:
        small.stop()

    server = Server()
    try:
        await asyncio.wait_for(sigterm_closes_everyone_with_1001(server), 30)
        print("ok sigterm_closes_everyone_with_1001")
        passed += 1
    finally:
        server.stop()
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    asyncio.run(main())
