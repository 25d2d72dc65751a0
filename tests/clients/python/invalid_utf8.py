"""Interop (raw sockets): a text message that is not UTF-8 closes with 1007 (RFC 6455 §8.1).

websockets only sends valid text, so these checks speak the protocol over a plain socket.
Usage: python3 invalid_utf8.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import RawReader, Server, expect, masked_frame, raw_upgrade, run, within

INVALID = {
    "a lone continuation byte": b"ok \x80",
    "the byte 0xff": b"ok \xff",
    "an overlong '/'": b"\xc0\xaf",
    "a surrogate": b"\xed\xa0\x80",
    "a code point above U+10FFFF": b"\xf4\x90\x80\x80",
    "a character cut at the end": b"euro \xe2\x82",
}


def expect_1007_then_eof(port, frames, what):
    s, _ = raw_upgrade(port)
    with s:
        s.sendall(frames)
        reader = RawReader(s)
        code = reader.close_code()
        expect(code == 1007, f"{what}: close code {code}, expected 1007")
        reader.at_eof()


async def invalid_text_in_one_frame_closes_with_1007():
    server = Server()
    for what, payload in INVALID.items():
        expect_1007_then_eof(server.port, masked_frame(0x1, payload), what)


async def invalid_text_split_across_fragments_closes_with_1007():
    server = Server()
    # "ok " then 0xce, whose continuation should follow, then '(' (not a continuation byte).
    expect_1007_then_eof(server.port, masked_frame(0x1, b"ok \xce", fin=False) + masked_frame(0x0, b"(", fin=True),
                         "0xce then '(' across fragments")
    # A first fragment that is already invalid: no need to wait for the rest.
    expect_1007_then_eof(server.port, masked_frame(0x1, b"\xff", fin=False), "an invalid first fragment")


async def invalid_bytes_in_a_binary_message_are_fine_and_others_keep_echoing():
    server = Server()
    async with websockets.connect(server.url) as bystander:
        expect_1007_then_eof(server.port, masked_frame(0x1, b"\xff"), "the byte 0xff")
        for payload in INVALID.values():
            await bystander.send(payload)  # binary: no UTF-8 rules
            expect(await within(bystander.recv()) == payload, f"binary {payload!r} not echoed")


if __name__ == "__main__":
    run([invalid_text_in_one_frame_closes_with_1007, invalid_text_split_across_fragments_closes_with_1007,
         invalid_bytes_in_a_binary_message_are_fine_and_others_keep_echoing])
