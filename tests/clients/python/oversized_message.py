"""Interop (python3-websockets): a message over --max-message-size closes that connection with 1009;
the server's other connections keep echoing.

Usage: python3 oversized_message.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import Server, expect, run, within

LIMIT = 1000


async def expect_1009(ws, what):
    try:
        got = await within(ws.recv(), what=f"close after {what}")
    except websockets.exceptions.ConnectionClosed:
        pass
    else:
        raise AssertionError(f"{what}: expected a close with 1009, got a message of {len(got)}")
    await within(ws.wait_closed(), what=f"end of the connection after {what}")
    expect(ws.close_code == 1009, f"{what}: close code {ws.close_code}, expected 1009")


async def message_over_the_limit_closes_with_1009_and_others_keep_echoing():
    server = Server("--max-message-size", str(LIMIT))
    async with websockets.connect(server.url) as bystander:
        async with websockets.connect(server.url) as ws:
            await ws.send(b"a" * LIMIT)  # exactly at the limit is allowed
            expect(await within(ws.recv()) == b"a" * LIMIT, "message of exactly the limit not echoed")
            await ws.send(b"x" * (2 * LIMIT))
            await expect_1009(ws, f"a {2 * LIMIT}-byte binary message")
        async with websockets.connect(server.url) as ws:
            await ws.send("é" * LIMIT)  # 2000 bytes of text
            await expect_1009(ws, f"a {2 * LIMIT}-byte text message")
        for i in range(3):
            await bystander.send(f"still here {i}")
            expect(await within(bystander.recv()) == f"still here {i}", "bystander's echo differs")


async def fragments_over_the_limit_together_close_with_1009():
    server = Server("--max-message-size", str(LIMIT))
    async with websockets.connect(server.url) as bystander:
        async with websockets.connect(server.url) as ws:
            await ws.send(iter([b"y" * 700, b"y" * 700, b"y" * 700]))
            await expect_1009(ws, "three 700-byte fragments")
        await bystander.send(b"still here")
        expect(await within(bystander.recv()) == b"still here", "bystander's echo differs")


if __name__ == "__main__":
    run([message_over_the_limit_closes_with_1009_and_others_keep_echoing,
         fragments_over_the_limit_together_close_with_1009])
