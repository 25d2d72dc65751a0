#!/usr/bin/python3
"""User-space memory per idle connection of sluice-echo over TLS and with permessage-deflate
negotiated, next to the same figure over plain TCP (issue 14 items 2 and 5), as a markdown table.

A throwaway CA and a P-256 server certificate are made with the `openssl` command. The server
is started once per row; after 200 warm-up connections its VmRSS is read, then COUNT more
connections are opened (TLS handshake with Python's ssl module where the row is wss://, TLS 1.3
unless the row caps it at 1.2; WebSocket upgrade, offering permessage-deflate where the row says
so; one text message echoed, so every session has had record buffers to release, unless the row
says "no message") and VmRSS is read again: (after - before) / COUNT. RSS is the server's
user-space memory; the kernel's socket buffers are not in it. The server's own figure,
memory_bytes from its stats (what it charges to the memory budget: connection objects, held
record bytes and what OpenSSL holds, through its allocator hooks), is not read here; the test
tls.ServerTls.WhatOpenSslHoldsIsChargedToTheBudgetAndGivenBack asserts it.

Usage (from the repository's root, after a build):
  /usr/bin/python3 bench/tls_memory.py --bin build/bin [--connections 10000] [--kernel-tls]
"""

import argparse
import os
import ssl
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import memlib  # noqa: E402


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_pki(d):
    ca, ca_key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key,
            "-out", ca, "-subj", "/CN=bench-ca", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE")
    key, csr, cert = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=localhost")
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-days", "2", "-extfile", ext, "-out", cert)
    return ca, cert, key


def open_ws(host, port, count, context, offer, echo=True):
    socks = []
    for _ in range(count):
        raw = memlib.socket.create_connection((host, port), timeout=20)
        s = context.wrap_socket(raw, server_hostname=host) if context else raw
        key = memlib.base64.b64encode(os.urandom(16)).decode()
        request = memlib._upgrade_request(host, port, key)
        if offer:
            request = request[:-2] + f"Sec-WebSocket-Extensions: {offer}\r\n\r\n".encode()
        s.sendall(request)
        head = memlib._read_head(s)
        memlib._check_response(head, key)
        if offer and b"permessage-deflate" not in head:
            raise memlib.MeasureError("the server did not agree to permessage-deflate")
        socks.append(s)
        if not echo:
            continue
        memlib.send_frame(s, 0x1, b"hello")
        fin, op, data = memlib.recv_frame(s)
        if not fin or op != 0x1 or data != b"hello":
            raise memlib.MeasureError("bad echo")
    return socks


def measure(argv, count, context, offer=None, echo=True, warmup=200):
    server = memlib.Server(argv)
    socks = []
    try:
        socks += open_ws(server.host, server.port, warmup, context, offer, echo)
        before = memlib.settle(server.pid)
        socks += open_ws(server.host, server.port, count, context, offer, echo)
        after = memlib.settle(server.pid)
        if not server.alive():
            raise memlib.MeasureError("the server exited during the measurement")
        return (after - before) * 1024 / count
    finally:
        memlib.close_all(socks)
        server.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="build/bin")
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--kernel-tls", action="store_true", help="also a row with sluice-echo --kernel-tls")
    a = p.parse_args()
    memlib.raise_nofile_soft()
    echo = os.path.join(a.bin, "sluice-echo")
    base = [echo, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"]
    with tempfile.TemporaryDirectory() as d:
        ca, cert, key = make_pki(d)
        context = ssl.create_default_context(cafile=ca)
        tls = ["--tls-cert", cert, "--tls-key", key]
        offer = "permessage-deflate; client_max_window_bits"
        shared, dedicated = base + ["--compression", "shared"], base + ["--compression", "dedicated"]
        tls12 = ssl.create_default_context(cafile=ca)
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        rows = [("ws://", base, None, None, True), ("wss://", base + tls, context, None, True),
                ("wss://, a client capped at TLS 1.2", base + tls, tls12, None, True)]
        if a.kernel_tls:
            rows.append(("wss:// --kernel-tls", base + tls + ["--kernel-tls"], context, None, True))
        rows += [("ws://, --compression shared, deflate negotiated", shared, None, offer, True),
                 ("ws://, --compression dedicated, deflate negotiated", dedicated, None, offer, True),
                 ("ws://, no message", base, None, None, False),
                 ("ws://, --compression shared, deflate negotiated, no message", shared, None, offer, False),
                 ("ws://, --compression dedicated, deflate negotiated, no message", dedicated, None, offer, False)]
        print(f"| sluice-echo, {a.connections} idle connections, one message echoed each | bytes per connection "
              "(VmRSS growth) |")
        print("|---|---:|")
        for label, argv, ctx, off, echo in rows:
            print(f"| {label} | {measure(argv, a.connections, ctx, off, echo):,.0f} |", flush=True)


if __name__ == "__main__":
    main()
