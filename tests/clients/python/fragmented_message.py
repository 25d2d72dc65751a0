"""Interop (python3-websockets, raw sockets): fragmented messages are reassembled into one echo.

Usage: python3 fragmented_message.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import RawReader, Server, expect, masked_frame, raw_upgrade, run, within


async def text_fragments_from_an_iterable_come_back_as_one_text():
    server = Server()
    async with websockets.connect(server.url) as ws:
        await ws.send(iter(["frag", "men", "ted ", "é€😀"]))
        got = await within(ws.recv(), what="reassembled text")
        expect(got == "fragmented é€😀", f"reassembled text is {got!r}")


async def binary_fragments_from_an_async_iterator_come_back_as_one_binary():
    chunks = [bytes([i]) * 100_000 for i in range(10)] + [b""]

    async def fragments():
        for c in chunks:
            yield c

    server = Server()
    async with websockets.connect(server.url, max_size=None) as ws:
        await ws.send(fragments())
        got = await within(ws.recv(), what="reassembled binary")
        expect(type(got) is bytes, f"reassembled binary came back as {type(got).__name__}")
        expect(got == b"".join(chunks), f"reassembled binary has {len(got)} bytes, differs")
        await ws.send("and then a whole one")
        expect(await within(ws.recv()) == "and then a whole one", "echo after fragments differs")


def read_message(reader):
    """(opcode, payload) of the next data message, pongs collected separately."""
    pongs, opcode, payload = [], None, b""
    for _ in range(1000):
        fin, op, data = reader.frame()
        if op == 0xA:
            pongs.append(data)
            continue
        expect(op in (0x0, 0x1, 0x2), f"unexpected opcode {op:#x}: {data[:60]!r}")
        opcode = op if opcode is None else opcode
        payload += data
        if fin:
            return opcode, payload, pongs
    raise AssertionError("no final frame in 1000 frames")


async def character_split_across_fragments_is_valid_text():
    # websockets encodes each str fragment on its own, so a raw socket splits "é" (c3 a9).
    server = Server()
    s, _ = raw_upgrade(server.port)
    with s:
        s.sendall(masked_frame(0x1, b"caf\xc3", fin=False) + masked_frame(0x0, b"\xa9 \xe2\x82", fin=False)
                  + masked_frame(0x0, b"\xac", fin=True))
        opcode, payload, _ = read_message(RawReader(s))
        expect(opcode == 0x1, f"split-character text came back with opcode {opcode:#x}")
        expect(payload == "café €".encode(), f"split-character text came back as {payload!r}")


async def ping_between_fragments_gets_a_pong_and_the_message_is_whole():
    server = Server()
    s, _ = raw_upgrade(server.port)
    with s:
        s.sendall(masked_frame(0x1, b"fir", fin=False) + masked_frame(0x9, b"ping!")
                  + masked_frame(0x0, b"st", fin=True))
        reader = RawReader(s)
        opcode, payload, pongs = read_message(reader)
        if not pongs:  # the pong may follow the echo
            fin, op, data = reader.frame()
            expect(op == 0xA, f"expected a pong after the echo, got opcode {op:#x}")
            pongs.append(data)
        expect(pongs == [b"ping!"], f"pongs: {pongs!r}")
        expect((opcode, payload) == (0x1, b"first"), f"echo: opcode {opcode:#x}, {payload!r}")


if __name__ == "__main__":
    run([text_fragments_from_an_iterable_come_back_as_one_text,
         binary_fragments_from_an_async_iterator_come_back_as_one_binary,
         character_split_across_fragments_is_valid_text,
         ping_between_fragments_gets_a_pong_and_the_message_is_whole])
