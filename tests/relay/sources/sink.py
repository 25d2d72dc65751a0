"""The way back: messages published to a source's sink_topic are framed with the source's
framing and written to the device. Over HTTP and from a WebSocket client to a TCP upstream
(len16); to a child's stdin through a pipe and through a pty (a line-echoing program sends
them back as its output); to a UDP device at the address it last sent from. The queue is
bounded: an upstream that stops reading makes the sink drop and count, with what is queued
never above sink_max_buffered; a message the framing cannot carry is dropped as unencodable."""
import asyncio
import http.client
import socket

import websockets

from source_harness import Relay, await_source, check, free_port, publish, recv_exact, run

ECHO = "import sys\nfor line in sys.stdin:\n    print('echo ' + line.strip(), flush=True)\n"


async def main(binary):
    up_port, stuck_port, udp_port = free_port(), free_port(), free_port()
    config = f"""
[[topic]]
match = "cmd/**"
publish = ["http", "clients"]

[[source]]
name = "upstream"
type = "tcp"
topic = "up"
framing = "len16"
connect = "127.0.0.1:{up_port}"
reconnect_max = "200ms"
sink_topic = "cmd/up"

[[source]]
name = "stuck"
type = "tcp"
topic = "stuck"
framing = "len16"
connect = "127.0.0.1:{stuck_port}"
reconnect_max = "200ms"
sink_topic = "cmd/stuck"
sink_max_buffered = "64KiB"

[[source]]
name = "echo-pipe"
type = "exec"
topic = "echo/pipe"
command = ["/usr/bin/python3", "-c", "{ECHO.encode('unicode_escape').decode()}"]
sink_topic = "cmd/pipe"

[[source]]
name = "echo-pty"
type = "exec"
topic = "echo/pty"
command = ["/usr/bin/python3", "-c", "{ECHO.encode('unicode_escape').decode()}"]
pty = true
sink_topic = "cmd/pty"

[[source]]
name = "radio"
type = "udp"
topic = "radio"
listen = "127.0.0.1:{udp_port}"
sink_topic = "cmd/radio"
"""
    listeners = {}
    for name, port in (("up", up_port), ("stuck", stuck_port)):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        s.settimeout(15)
        listeners[name] = s
    relay = Relay(binary, config)
    try:
        loop = asyncio.get_running_loop()
        up, _ = await loop.run_in_executor(None, listeners["up"].accept)
        up.settimeout(15)
        await await_source(relay, "upstream", lambda s: s["state"] == "running", "connected")

        # HTTP publish and a WebSocket client's message, len16-framed on the upstream's socket.
        status, _ = publish(relay, "cmd/up", "reboot")
        check(status == 200, f"publish to the sink topic: {status}")
        check(recv_exact(up, 8) == b"\x00\x06reboot", "len16 frame on the upstream")
        async with websockets.connect(relay.url("/topics/cmd/up", "ws")) as client:
            await client.send(b"\x01\x02")
            check(await loop.run_in_executor(None, recv_exact, up, 4) == b"\x00\x02\x01\x02", "client's frame")
        s = await await_source(relay, "upstream", lambda s: s["sink"]["messages"] == 2, "two written")
        check(s["sink"]["bytes"] == 12, f"{s['sink']}")

        # A child's stdin, through a pipe and through a pty: its echo comes back as its output.
        for name, topic in (("echo-pipe", "pipe"), ("echo-pty", "pty")):
            await await_source(relay, name, lambda s: s["state"] == "running", "started")
            async with websockets.connect(relay.url(f"/topics/echo/{topic}", "ws")) as sub:
                await asyncio.sleep(0.1)
                status, _ = publish(relay, f"cmd/{topic}", f"ping {topic}")
                check(status == 200, f"publish {status}")
                got = await asyncio.wait_for(sub.recv(), 15)
                check(got == f"echo ping {topic}", f"{name}: {got!r}")
            # A line framing cannot carry an LF inside a message.
            publish(relay, f"cmd/{topic}", "two\nlines")
            await await_source(relay, name, lambda s: s["sink"]["dropped"]["unencodable"] == 1, "unencodable")

        # UDP: to the address the device last sent from.
        device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        device.bind(("127.0.0.1", 0))
        device.settimeout(15)
        device.sendto(b"hello from the radio", ("127.0.0.1", udp_port))
        await await_source(relay, "radio", lambda s: s["messages"] == 1, "heard the device")
        publish(relay, "cmd/radio", "tx", content_type="application/octet-stream")
        data, _ = await loop.run_in_executor(None, device.recvfrom, 100)
        check(data == b"tx", f"udp sink: {data!r}")
        device.close()

        # An upstream that never reads: kernel buffers fill, then the bounded queue, then drops.
        stuck, _ = await loop.run_in_executor(None, listeners["stuck"].accept)
        await await_source(relay, "stuck", lambda s: s["state"] == "running", "connected")
        conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
        body = b"z" * 60000
        for _ in range(400):
            conn.request("POST", "/topics/cmd/stuck", body, {"Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            r.read()
            check(r.status == 200, f"publish {r.status}")
        conn.close()
        s = await await_source(relay, "stuck", lambda s: s["sink"]["dropped"]["full"] > 0, "drops when full")
        check(s["sink"]["queued_bytes"] <= 64 * 1024, f"queue within sink_max_buffered: {s['sink']}")
        check(s["sink"]["messages"] + s["sink"]["dropped"]["full"] + 1 >= 400, f"every message accounted: {s['sink']}")
        stuck.close()
        up.close()
    finally:
        code = relay.stop()
        for s in listeners.values():
            s.close()
    check(code == 0, f"the relay exited with {code}")


run(main)
