"""Interop (python3-websockets): messages keep their type, and every length encoding round-trips.

Usage: python3 echo_types_and_sizes.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import BIG_WAIT_S, Server, expect, run, text_of_size, within

SIZES = (0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20, 16 << 20)  # 16 MiB is sluice-echo's cap


async def echo(ws, message, wait=10):
    await ws.send(message)
    return await within(ws.recv(), wait, f"echo of a {len(message)}-long {type(message).__name__}")


async def text_comes_back_as_text_and_binary_as_binary():
    server = Server()
    async with websockets.connect(server.url) as ws:
        for text in ("hello", "héllo, wörld", "€ 中文 😀 \u0000 \U0010ffff", ""):
            got = await echo(ws, text)
            expect(type(got) is str, f"text {text!r} came back as {type(got).__name__}: {got!r}")
            expect(got == text, f"text {text!r} came back as {got!r}")
        for data in (bytes(range(256)), b"\xff\xfe\x00", "héllo".encode(), b""):
            got = await echo(ws, data)
            expect(type(got) is bytes, f"binary {data[:20]!r} came back as {type(got).__name__}: {got!r}")
            expect(got == data, f"binary {data[:20]!r} came back as {got[:20]!r}")


async def text_of_every_length_encoding_round_trips():
    server = Server()
    async with websockets.connect(server.url, max_size=None) as ws:
        for size in SIZES:
            text = text_of_size(size)
            got = await echo(ws, text, BIG_WAIT_S)
            expect(type(got) is str, f"{size}-byte text came back as {type(got).__name__}")
            expect(len(got.encode()) == size, f"{size}-byte text came back with {len(got.encode())} bytes")
            expect(got == text, f"{size}-byte text came back altered")


async def binary_of_every_length_encoding_round_trips():
    server = Server()
    async with websockets.connect(server.url, max_size=None) as ws:
        for size in SIZES:
            data = bytes((i * 7 + size) & 0xFF for i in range(min(size, 4096))) * (size // 4096 + 1)
            data = data[:size]
            got = await echo(ws, data, BIG_WAIT_S)
            expect(type(got) is bytes, f"{size}-byte binary came back as {type(got).__name__}")
            expect(len(got) == size, f"{size}-byte binary came back with {len(got)} bytes")
            expect(got == data, f"{size}-byte binary came back altered")


if __name__ == "__main__":
    run([text_comes_back_as_text_and_binary_as_binary, text_of_every_length_encoding_round_trips,
         binary_of_every_length_encoding_round_trips])
