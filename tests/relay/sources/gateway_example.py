"""examples/gateway.toml runs as its comments say: a datagram to the radio source reaches a
subscriber of sensors/radio, and a command published to commands/radio goes back to the
radio's address; a meter connecting over TCP with len16 records reaches meters/records; the
exec source publishes the load average every second; GET /sources shows all three running."""
import asyncio
import os
import socket

import websockets

from source_harness import Relay, await_source, check, len16, publish, run

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "gateway.toml")


async def main(binary):
    with open(EXAMPLE) as f:
        relay = Relay(binary, f.read())
    try:
        for name in ("radio", "meters", "load"):
            await await_source(relay, name, lambda s: s["state"] == "running", "running")
        async with websockets.connect(relay.url("/topics/sensors/radio", "ws")) as radio_sub, \
                websockets.connect(relay.url("/topics/meters/records", "ws")) as meters_sub, \
                websockets.connect(relay.url("/topics/sensors/load", "ws")) as load_sub:
            await asyncio.sleep(0.1)
            radio = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            radio.bind(("127.0.0.1", 0))
            radio.settimeout(10)
            radio.sendto(b"temp=21.5", ("127.0.0.1", 7400))
            check(await asyncio.wait_for(radio_sub.recv(), 10) == b"temp=21.5", "the radio's packet")
            status, _ = publish(relay, "commands/radio", "ping", content_type="application/octet-stream")
            check(status == 200, f"command published: {status}")
            data, _ = await asyncio.get_running_loop().run_in_executor(None, radio.recvfrom, 100)
            check(data == b"ping", f"the command went back to the radio: {data!r}")
            radio.close()
            with socket.create_connection(("127.0.0.1", 7401)) as meter:
                meter.sendall(len16(b"meter 7: 1234 kWh"))
                check(await asyncio.wait_for(meters_sub.recv(), 10) == b"meter 7: 1234 kWh", "the meter's record")
            load = await asyncio.wait_for(load_sub.recv(), 10)
            check(len(load.split()) == 5, f"a /proc/loadavg line: {load!r}")
    finally:
        check(relay.stop() == 0, "exit code")


run(main)
