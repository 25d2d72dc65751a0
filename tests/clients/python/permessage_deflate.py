"""Interop (python3-websockets): permessage-deflate (RFC 7692) with sluice-echo --compression.

python3-websockets offers permessage-deflate by default and compresses what it sends; each mode
of the server is checked for what it answers, for messages echoed whole in both directions, and,
on a raw socket, for a reply that is really compressed (RSV1, fewer bytes, inflates back). A
decompression bomb closes with 1009; an offer the server cannot take is declined, not failed.

Usage: python3 permessage_deflate.py PATH_TO_SLUICE_ECHO
"""
import base64
import os
import socket
import zlib

import websockets

from harness import Server, expect, run, within

MESSAGES = ["hello " * 200, "x", "é" * 5000, b"\x00\x01" * 3000, "same text " * 100, "same text " * 100, ""]


async def echo_all(url):
    async with websockets.connect(url, max_size=None) as ws:
        agreed = ws.response_headers.get("Sec-WebSocket-Extensions")
        for msg in MESSAGES:
            await ws.send(msg)
            back = await within(ws.recv())
            expect(back == msg, f"echo of a {len(msg)}-long message differs")
        return agreed


async def each_mode_agrees_what_it_says_and_echoes_in_both_directions():
    expected = {
        "off": None,
        "shared": "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "dedicated": "permessage-deflate",
    }
    for mode, answer in expected.items():
        server = Server("--compression", mode)
        agreed = await echo_all(server.url)
        expect(agreed == answer, f"--compression {mode}: answered {agreed!r}, expected {answer!r}")


def raw_upgrade(port, offer):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Extensions: {offer}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    head, rest = head.split(b"\r\n\r\n", 1)
    expect(rest == b"", "bytes after the 101")
    return s, head.decode().lower()


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        expect(chunk != b"", "connection closed while reading a frame")
        out += chunk
    return out


def send_masked(s, b0, payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([b0, 0x80 | n]) if n < 126 else bytes([b0, 0x80 | 126]) + n.to_bytes(2, "big")
    s.sendall(head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload)))


async def a_reply_over_the_threshold_is_compressed_on_the_wire():
    for mode in ("shared", "dedicated"):
        server = Server("--compression", mode)
        s, head = raw_upgrade(server.port, "permessage-deflate; client_max_window_bits")
        expect("sec-websocket-extensions: permessage-deflate" in head, f"{mode}: not agreed: {head}")
        text = ("a JSON-like line with repeats, " * 40).encode()
        send_masked(s, 0x81, text)  # uncompressed from our side: always allowed
        b0, b1 = recv_exact(s, 2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(recv_exact(s, 2), "big")
        payload = recv_exact(s, n)
        expect(b0 & 0x40, f"{mode}: RSV1 not set on a {len(text)}-byte reply")
        expect(n < len(text) // 4, f"{mode}: a {len(text)}-byte reply took {n} bytes")
        expect(zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff") == text,
               f"{mode}: the reply does not inflate to the message")
        s.close()


async def a_decompression_bomb_closes_with_1009():
    limit = 100_000
    server = Server("--compression", "shared", "--max-message-size", str(limit))
    async with websockets.connect(server.url, max_size=None) as bystander:
        async with websockets.connect(server.url, max_size=None) as ws:
            await ws.send(b"\x00" * (50 * limit))  # about 5 KB on the wire
            try:
                got = await within(ws.recv(), what="the close after a bomb")
            except websockets.exceptions.ConnectionClosed:
                pass
            else:
                raise AssertionError(f"expected a close with 1009, got a message of {len(got)}")
            await within(ws.wait_closed())
            expect(ws.close_code == 1009, f"close code {ws.close_code}, expected 1009")
        await bystander.send("still here " * 20)
        expect(await within(bystander.recv()) == "still here " * 20, "bystander's echo differs")


async def offers_it_cannot_take_are_declined_and_the_connection_opens():
    server = Server("--compression", "shared")
    for offer in ("permessage-deflate; unknown_param", "permessage-deflate; server_max_window_bits=7",
                  "permessage-deflate; client_no_context_takeover; client_no_context_takeover", "x-webkit-deflate-frame"):
        s, head = raw_upgrade(server.port, offer)
        expect(head.startswith("http/1.1 101"), f"offer {offer!r}: {head.splitlines()[0]}")
        expect("sec-websocket-extensions" not in head, f"offer {offer!r} was accepted: {head}")
        s.close()
    # The second offer is taken when the first cannot be.
    s, head = raw_upgrade(server.port, "permessage-deflate; bogus, permessage-deflate; server_max_window_bits=10")
    expect("server_max_window_bits=10" in head, f"the second offer was not taken: {head}")
    s.close()


if __name__ == "__main__":
    run([each_mode_agrees_what_it_says_and_echoes_in_both_directions,
         a_reply_over_the_threshold_is_compressed_on_the_wire,
         a_decompression_bomb_closes_with_1009,
         offers_it_cannot_take_are_declined_and_the_connection_opens])
