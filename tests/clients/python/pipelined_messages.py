"""Interop (python3-websockets): messages sent without waiting all come back, in order, typed.

Usage: python3 pipelined_messages.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import Server, expect, run, within

COUNT = 10_000


def nth(i):
    return f"m{i} é" if i % 2 == 0 else f"b{i}".encode()


async def ten_thousand_small_messages_come_back_in_order():
    server = Server()
    async with websockets.connect(server.url, max_queue=None) as ws:
        for i in range(COUNT):  # send() waits only for the socket buffer, never for an echo
            await ws.send(nth(i))
        for i in range(COUNT):
            got = await within(ws.recv(), 10, f"echo #{i} of {COUNT}")
            expect(got == nth(i), f"echo #{i}: expected {nth(i)!r}, got {got!r}")


async def pipelined_messages_across_length_encodings_come_back_in_order():
    sizes = [0, 1, 125, 126, 127, 65535, 65536, 65537, 300_000]
    messages = [bytes([i & 0xFF]) * sizes[i % len(sizes)] for i in range(len(sizes) * 20)]
    server = Server()
    async with websockets.connect(server.url, max_queue=None, max_size=None) as ws:
        for m in messages:
            await ws.send(m)
        for i, m in enumerate(messages):
            got = await within(ws.recv(), 10, f"echo #{i} of {len(messages)}")
            expect(got == m, f"echo #{i}: expected {len(m)} bytes of {i & 0xFF}, got {len(got)} bytes")


if __name__ == "__main__":
    run([ten_thousand_small_messages_come_back_in_order,
         pipelined_messages_across_length_encodings_come_back_in_order])
