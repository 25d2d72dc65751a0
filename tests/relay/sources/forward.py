"""What sluice-forward did, as the relay does it now (it replaced that example):

  usage: forward.py SLUICE (udp | stdin | signals)

udp:     1,000 datagrams sent to a udp source reach 3 subscribers, each exactly once, in order.
stdin:   5 MB piped into a stdin source (raw framing) under the backpressure policy reach a
         slow subscriber intact (sha256); the source paused for it, and nothing was refused.
signals: the counters are at GET /sources while it runs; SIGTERM ends the relay with exit 0
         and the end of stdin leaves the stdin source stopped, not failed.
"""
import asyncio
import hashlib
import signal
import socket
import sys
import threading
import time

import websockets

from source_harness import PipedRelay, Relay, await_source, check, free_port, run, sources

TIMEOUT = 30


async def udp_case(binary):
    udp_port = free_port()
    relay = Relay(binary, f"""
[[source]]
name = "radio"
type = "udp"
topic = "forward"
listen = "127.0.0.1:{udp_port}"
""")
    try:
        clients = [await websockets.connect(relay.url("/topics/forward", "ws"), max_queue=None) for _ in range(3)]
        received = [[] for _ in clients]

        async def reader(i, ws):
            while len(received[i]) < 1000:
                received[i].append(await ws.recv())

        readers = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(clients)]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # At most 50 datagrams in flight, so no loopback buffer overflows.
        for n in range(1000):
            sock.sendto(b"%08d:" % n + bytes(range(n % 200)), ("127.0.0.1", udp_port))
            if n % 50 == 49:
                deadline = time.monotonic() + TIMEOUT
                while min(len(r) for r in received) < n + 1:
                    check(time.monotonic() < deadline, f"datagrams did not arrive: {[len(r) for r in received]}")
                    await asyncio.sleep(0.005)
        await asyncio.wait_for(asyncio.gather(*readers), TIMEOUT)
        expected = [b"%08d:" % n + bytes(range(n % 200)) for n in range(1000)]
        for i, r in enumerate(received):
            check(r == expected, f"client {i}: {len(r)} messages, not the 1000 sent in order")
        for ws in clients:
            await ws.close()
        sock.close()
        s = sources(relay)["radio"]
        check(s["messages"] == 1000 and s["kernel_drops"] == 0, f"{s}")
    finally:
        check(relay.stop() == 0, "exit code")


async def stdin_case(binary):
    size = 5 * 1000 * 1000
    data = bytes((i * 7 + (i >> 9)) & 0xFF for i in range(size))
    relay = PipedRelay(binary, """
[server]
max_buffered_bytes = "64KiB"
low_watermark = "32KiB"

[[topic]]
match = "forward"
policy = "backpressure"

[[source]]
name = "pipe"
type = "stdin"
topic = "forward"
framing = "raw"
max_chunk = "4KiB"
""")

    def feed():
        try:
            relay.stdin.write(data)
            relay.stdin.close()
        except BrokenPipeError:
            pass

    try:
        # A slow client: a one-message queue in the library and a pause after every 4 messages.
        ws = await websockets.connect(relay.url("/topics/forward", "ws"), max_queue=1, max_size=None)
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        h = hashlib.sha256()
        got = 0
        messages = 0
        while got < size:
            chunk = await asyncio.wait_for(ws.recv(), TIMEOUT)
            h.update(chunk)
            got += len(chunk)
            messages += 1
            if messages % 4 == 0:
                await asyncio.sleep(0.001)
        check(got == size, f"received {got} bytes, expected {size}")
        check(h.hexdigest() == hashlib.sha256(data).hexdigest(), "the stream arrived corrupted")
        writer.join(timeout=TIMEOUT)
        await ws.close()
        s = await await_source(relay, "pipe", lambda s: s["state"] == "stopped", "stdin ended")
        check(s["pauses"] > 0 and s["publish_refused"] == 0, f"paused, nothing refused: {s}")
        check(s["bytes"] == size, f"{s}")
        print(f"stdin: {size} bytes in {messages} messages reached a slow subscriber intact; {s['pauses']} pauses")
    finally:
        check(relay.stop() == 0, "exit code")


async def signals_case(binary):
    relay = PipedRelay(binary, """
[[source]]
name = "console"
type = "stdin"
topic = "console"
""")
    try:
        async with websockets.connect(relay.url("/topics/console", "ws")) as ws:
            await asyncio.sleep(0.1)
            relay.stdin.write(b"one\ntwo\n")
            relay.stdin.flush()
            check(await asyncio.wait_for(ws.recv(), TIMEOUT) == "one", "first line")
            check(await asyncio.wait_for(ws.recv(), TIMEOUT) == "two", "second line")
            s = sources(relay)["console"]
            check(s["messages"] == 2 and s["bytes"] == 8 and s["state"] == "running", f"counters: {s}")
            relay.stdin.close()
            s = await await_source(relay, "console", lambda s: s["state"] == "stopped", "stopped at EOF")
            check(s["last_error"] is None, f"the end of stdin is no error: {s}")
            check(relay.proc.poll() is None, "the relay keeps serving after its stdin ended")
        relay.signal(signal.SIGTERM)
        check(relay.proc.wait(timeout=TIMEOUT) == 0, "SIGTERM: exit code 0")
    finally:
        relay.stop()


def main():
    case = sys.argv[2] if len(sys.argv) == 3 else None
    cases = {"udp": udp_case, "stdin": stdin_case, "signals": signals_case}
    if case not in cases:
        raise SystemExit(__doc__)
    run(cases[case])


if __name__ == "__main__":
    main()
