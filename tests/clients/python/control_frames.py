"""Interop (python3-websockets): pings get pongs; a client's close completes and its code is echoed.

Usage: python3 control_frames.py PATH_TO_SLUICE_ECHO
"""
import time

import websockets

from harness import Server, expect, run, within


async def ping_gets_a_pong_with_its_payload():
    server = Server()
    async with websockets.connect(server.url, ping_interval=None) as ws:
        # websockets resolves a ping's waiter only on a pong carrying the same payload.
        for payload in (b"are you there", b"", "é".encode() * 62 + b"x"):  # up to 125 bytes
            waiter = await ws.ping(payload)
            await within(waiter, 10, f"pong to a ping of {len(payload)} bytes")
        await ws.send("after the pings")
        expect(await within(ws.recv()) == "after the pings", "echo after pings differs")


async def ping_while_messages_are_in_flight_gets_a_pong():
    server = Server()
    async with websockets.connect(server.url, ping_interval=None, max_queue=None) as ws:
        for i in range(100):
            await ws.send(b"x" * 10_000)
        waiter = await ws.ping(b"midstream")
        for i in range(100):
            expect(await within(ws.recv()) == b"x" * 10_000, f"echo #{i} differs")
        await within(waiter, 10, "pong to a ping sent among 100 messages")


async def close(code, reason):
    server = Server()
    ws = await websockets.connect(server.url, close_timeout=30)
    await ws.send("hello")
    expect(await within(ws.recv()) == "hello", "echo before closing differs")
    started = time.monotonic()
    await within(ws.close(code, reason), 35, "completed close")
    elapsed = time.monotonic() - started
    # websockets waits for the server to end TCP after the close frames: a slow close means the
    # server kept the connection open until the client's close_timeout (30 s). A busy machine
    # takes well under 10 s.
    expect(elapsed < 10, f"close({code}) took {elapsed:.1f} s; the server did not end the connection")
    expect(ws.close_code == code, f"sent close code {code}, server answered {ws.close_code}")
    expect(ws.state is websockets.protocol.State.CLOSED, f"state after close is {ws.state}")
    # The server survives and serves a new connection.
    async with websockets.connect(server.url) as again:
        await again.send("again")
        expect(await within(again.recv()) == "again", "echo on a new connection differs")


async def close_1000_with_a_reason_completes_and_the_code_is_echoed():
    await close(1000, "done here")


async def close_with_an_application_code_is_echoed():
    await close(4000, "application says bye é")


if __name__ == "__main__":
    run([ping_gets_a_pong_with_its_payload, ping_while_messages_are_in_flight_gets_a_pong,
         close_1000_with_a_reason_completes_and_the_code_is_echoed,
         close_with_an_application_code_is_echoed])
