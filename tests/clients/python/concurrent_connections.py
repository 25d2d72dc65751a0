"""Interop (python3-websockets): fifty connections at once, each gets its own echoes.

Usage: python3 concurrent_connections.py PATH_TO_SLUICE_ECHO
"""
import asyncio

import websockets

from harness import Server, expect, run, within

CONNECTIONS = 50
MESSAGES = 20


async def one_client(url, n):
    async with websockets.connect(url, open_timeout=10) as ws:
        for i in range(MESSAGES):
            await ws.send(f"client {n} message {i}")
            await ws.send(f"client {n} binary {i}".encode())
        for i in range(MESSAGES):
            got = await within(ws.recv(), what=f"echo {i} on client {n}")
            expect(got == f"client {n} message {i}", f"client {n} got {got!r}")
            got = await within(ws.recv(), what=f"binary echo {i} on client {n}")
            expect(got == f"client {n} binary {i}".encode(), f"client {n} got {got!r}")
        await ws.close(1000)
        expect(ws.close_code == 1000, f"client {n} closed with {ws.close_code}")
    return n


async def fifty_concurrent_connections_each_echo():
    server = Server()
    done = await within(asyncio.gather(*(one_client(server.url, n) for n in range(CONNECTIONS))), 30,
                        f"all {CONNECTIONS} clients finishing")
    expect(sorted(done) == list(range(CONNECTIONS)), f"finished clients: {done}")


async def fifty_connections_open_at_the_same_time():
    server = Server()
    clients = await within(asyncio.gather(*(websockets.connect(server.url) for _ in range(CONNECTIONS))), 20,
                           f"{CONNECTIONS} handshakes")
    try:
        for n, ws in enumerate(clients):
            await ws.send(str(n))
        for n, ws in enumerate(clients):
            expect(await within(ws.recv()) == str(n), f"client {n} got someone else's echo")
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))
    codes = [ws.close_code for ws in clients]
    expect(codes == [1000] * CONNECTIONS, f"close codes: {codes}")


if __name__ == "__main__":
    run([fifty_concurrent_connections_each_echo, fifty_connections_open_at_the_same_time])
