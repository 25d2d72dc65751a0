"""The seed scenario end to end: a radio receiver on a serial port (a real pseudo-terminal pair)
writes 200 SLIP frames a second of 250 bytes for 20 seconds. The relay reads it as a serial
source; one fast subscriber (python3-websockets, reading as fast as frames come) and two
stalled ones (raw sockets with a 4 KiB receive buffer that never read after the handshake).

  usage: radio_gateway.py SLUICE POLICY    (POLICY: close | drop_oldest)

Checked: the fast subscriber receives all 4,000 frames, in order and intact; the stalled ones
are handled by the topic's policy (closed with 1008 under close; under drop_oldest still
connected, their oldest messages dropped and counted); the queued bytes never exceed the two
stalled subscribers' caps; and the relay's resident memory (VmRSS) stays within RSS_BOUND_KIB
of what it was once everyone had connected. Without the caps each stalled subscriber would
hold the whole megabyte of the run."""
import asyncio
import json
import os
import socket
import sys
import tempfile
import threading
import time
import tty

import websockets

from source_harness import Relay, await_source, check, curl, rss_bounds_apply, rss_kib, run, slip

FRAMES = 4000
RATE = 200
SIZE = 250
CAP = 32 * 1024
RSS_BOUND_KIB = 1024


def payload(n):
    # The sequence number, then bytes that need SLIP escaping among the padding.
    head = b"%08d:" % n
    body = bytes([0xC0, 0xDB]) + bytes((n + i) % 251 for i in range(SIZE - len(head) - 2))
    return head + body


def radio(master, done):
    """Writes the frames at RATE per second on an absolute schedule."""
    start = time.monotonic()
    for n in range(FRAMES):
        delay = start + n / RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        os.write(master, slip(payload(n)))
    done.set()


def stalled_subscriber(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /topics/radio HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    check(head.startswith(b"HTTP/1.1 101"), f"stalled handshake {head!r}")
    return s


def read_all_frames(sock):
    """Reads a stalled subscriber's backlog: the sequence numbers of the frames it holds."""
    sock.setblocking(False)
    data = b""
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 1.0:
        try:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            data += chunk
            idle_since = time.monotonic()
        except BlockingIOError:
            time.sleep(0.02)
    seqs = []
    while len(data) >= 4:
        length = data[1] & 0x7F
        offset = 2
        if length == 126:
            length = int.from_bytes(data[2:4], "big")
            offset = 4
        if len(data) < offset + length:
            break
        seqs.append(int(data[offset:offset + 8]))
        data = data[offset + length:]
    return seqs


def stats(relay):
    status, body = curl(relay.url("/stats"))
    check(status == 200, f"/stats {status}")
    return json.loads(body)


async def main(binary):
    policy = sys.argv[2]
    work = tempfile.mkdtemp(prefix="sluice-radio-")
    link = os.path.join(work, "ttyRADIO")
    master, slave = os.openpty()
    tty.setraw(slave)
    os.symlink(os.ttyname(slave), link)
    os.close(slave)
    config = f"""
[server]
max_buffered_bytes = "{CAP}B"
low_watermark = "{CAP // 2}B"
send_buffer_bytes = "16KiB"
policy = "{policy}"
write_timeout = "0"
# The stalled subscribers are silent from the handshake on; on a slow machine the run can outlast
# the default idle_timeout (120 s), which would close them for silence, not by policy.
idle_timeout = "0"

[[topic]]
match = "radio"
policy = "{policy}"

[[source]]
name = "radio"
type = "serial"
topic = "radio"
framing = "slip"
device = "{link}"
baud = 115200
max_frame = "1KiB"
"""
    relay = Relay(binary, config)
    try:
        await await_source(relay, "radio", lambda s: s["state"] == "running", "device open")
        stalled = [stalled_subscriber(relay.port) for _ in range(2)]
        async with websockets.connect(relay.url("/topics/radio", "ws"), max_queue=None) as fast:
            await asyncio.sleep(0.3)
            baseline = rss_kib(relay.proc.pid)
            peak = baseline
            peak_queued = 0
            done = threading.Event()
            writer = threading.Thread(target=radio, args=(master, done), daemon=True)
            writer.start()
            received = 0
            last_sample = 0.0
            while received < FRAMES:
                m = await asyncio.wait_for(fast.recv(), 20)
                check(m == payload(received), f"frame {received}: got {m[:12]!r}")
                received += 1
                if time.monotonic() - last_sample > 0.25:
                    last_sample = time.monotonic()
                    peak = max(peak, rss_kib(relay.proc.pid))
                    peak_queued = max(peak_queued, stats(relay)["buffered"]["user_bytes"])
            writer.join(timeout=5)
            check(done.is_set(), "the radio wrote every frame")
            peak = max(peak, rss_kib(relay.proc.pid))
            s = stats(relay)
            src = (await await_source(relay, "radio", lambda s: s["messages"] == FRAMES, "all published"))
            check(src["frames_dropped"] == {"oversized": 0, "malformed": 0, "truncated": 0}, f"{src}")
            # Each stalled subscriber holds at most its cap, plus the one message that crossed it.
            check(peak_queued <= 2 * (CAP + 1024), f"queued bytes peaked at {peak_queued}")
            check(peak - baseline <= RSS_BOUND_KIB or not rss_bounds_apply(),
                  f"RSS grew by {peak - baseline} KiB (from {baseline} KiB), bound {RSS_BOUND_KIB} KiB")
            if policy == "close":
                check(relay.wait_log("closing with 1008", 10), "stalled subscribers closed by policy")
                check(s["connections"]["open"] <= 2, f"stalled ones gone: {s['connections']}")
                for st in stalled:
                    st.close()
            else:
                check(s["connections"]["open"] == 3, f"stalled ones still connected: {s['connections']}")
                for st in stalled:
                    got = read_all_frames(st)
                    # What the kernel took before the stall, then a gap, then the newest frames.
                    check(got[-1] == FRAMES - 1 and len(got) < FRAMES // 4,
                          f"a stalled subscriber kept the newest frames: {len(got)} ending {got[-1:]}")
                    check(got == sorted(got), "in order, with a gap where the oldest were dropped")
                    st.close()
            print(f"{policy}: {FRAMES} frames in order to the fast subscriber; RSS {baseline} -> peak {peak} KiB;"
                  f" queued peak {peak_queued} B")
    finally:
        os.close(master)
        code = relay.stop()
    check(code == 0, f"the relay exited with {code}")


run(main)
