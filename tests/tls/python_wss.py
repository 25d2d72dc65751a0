"""TLS interop: Debian's python3-websockets and ssl module, and `openssl s_client`, against
sluice-echo --tls-cert/--tls-key, with a test CA made by the `openssl` command in a temporary
directory.

Usage: python3 python_wss.py PATH_TO_SLUICE_ECHO
"""
import asyncio
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

import websockets  # noqa: E402

from harness import WAIT_S, BIG_WAIT_S, RAW_KEY, Server, expect, run, text_of_size, within  # noqa: E402
from pki import Pki  # noqa: E402


class Setup:
    """A fresh temporary directory with CA "ca" and a localhost/127.0.0.1 certificate "server"."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-tls-")
        self.pki = Pki(self.dir)
        self.ca = self.pki.ca("ca")
        self.cert, self.key = self.pki.issue("server", "ca")

    def context(self, cafile=None, maximum=None):
        ctx = ssl.create_default_context(cafile=cafile or self.ca)
        if maximum:
            ctx.maximum_version = maximum
        return ctx

    def server(self, *extra):
        return Server("--tls-cert", self.cert, "--tls-key", self.key, *extra)

    def __del__(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def wss(server):
    return f"wss://127.0.0.1:{server.port}/"


def wait_for_log(server, text, seconds=WAIT_S):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in server.stderr_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"no log line with {text!r} within {seconds} s; stderr: {server.stderr_text()!r}")


async def echo_round_trips(url, ctx, server_hostname="localhost"):
    """Text, binary and a 16 MiB message; returns (TLS version, ALPN protocol)."""
    async with websockets.connect(url, ssl=ctx, server_hostname=server_hostname, max_size=None) as ws:
        for message in ["hello over TLS", bytes(range(256)) * 7, text_of_size(70_000)]:
            await ws.send(message)
            expect(await within(ws.recv()) == message, f"echo of a {len(message)}-byte message differs")
        big = os.urandom(16 * 1024 * 1024)
        await ws.send(big)
        expect(await within(ws.recv(), BIG_WAIT_S, "16 MiB echo") == big, "the 16 MiB echo differs")
        tls = ws.transport.get_extra_info("ssl_object")
        return tls.version(), tls.selected_alpn_protocol()


async def echoes_over_tls_1_3_and_1_2_with_alpn_http_1_1():
    # TLS 1.3 records are sluice's once the handshake is done; TLS 1.2's stay with OpenSSL.
    s = Setup()
    server = s.server("--log-level", "debug")
    ctx13 = s.context()
    ctx13.set_alpn_protocols(["http/1.1"])
    version, alpn = await echo_round_trips(wss(server), ctx13)
    expect(version == "TLSv1.3" and alpn == "http/1.1", f"negotiated {version}, ALPN {alpn}")
    wait_for_log(server, "records kept by sluice")
    version, alpn = await echo_round_trips(wss(server), s.context(maximum=ssl.TLSVersion.TLSv1_2))
    expect(version == "TLSv1.2", f"negotiated {version} with a client capped at TLS 1.2")
    wait_for_log(server, "records kept by OpenSSL")


async def sluice_client_over_wss_to_a_python_websockets_server():
    # The client's records after its handshake: the server's session tickets skipped, messages
    # larger than a record both ways.
    s = Setup()
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(s.cert, s.key)

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    lines = ["hello over TLS", text_of_size(200_000), "bye"]
    async with websockets.serve(echo, "127.0.0.1", 0, ssl=server_ctx, max_size=None) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        client = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "sluice-client")
        proc = await asyncio.create_subprocess_exec(
            client, "--ca-file", s.ca, "--count", str(len(lines)), "--log-level", "debug",
            f"wss://localhost:{port}/", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await within(proc.communicate(("\n".join(lines) + "\n").encode()), BIG_WAIT_S, "sluice-client")
    expect(proc.returncode == 0, f"sluice-client exited with {proc.returncode}: {err.decode()[-800:]}")
    expect(out.decode().split("\n")[:len(lines)] == lines, "sluice-client printed other messages than it sent")
    expect(b"TLSv1.3" in err and b"records kept by sluice" in err, f"no TLS 1.3 record hand-over: {err.decode()[-800:]}")


async def refuses_tls_below_1_2_and_alpn_without_http_1_1():
    s = Setup()
    server = s.server()
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(s.ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # offering old versions is the point
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        old.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S),
                        server_hostname="localhost")
        raise AssertionError("a TLS 1.1 handshake succeeded")
    except ssl.SSLError:
        pass
    wait_for_log(server, "bad client hello: unsupported protocol")
    h2 = s.context()
    h2.set_alpn_protocols(["h2"])
    try:
        h2.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S),
                       server_hostname="localhost")
        raise AssertionError("a handshake offering only ALPN h2 succeeded")
    except ssl.SSLError as e:
        expect("no application protocol" in str(e), f"ALPN h2 only: {e}")
    wait_for_log(server, "bad client hello: no application protocol")


async def openssl_s_client_verifies_and_upgrades():
    s = Setup()
    server = s.server()
    request = (f"GET / HTTP/1.1\r\nHost: localhost:{server.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {RAW_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    proc = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-CAfile", s.ca,
                             "-servername", "localhost", "-verify_hostname", "localhost", "-alpn", "http/1.1",
                             "-verify_return_error", "-ign_eof"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(request.encode(), timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    text = out.decode(errors="replace")
    expect("Verify return code: 0 (ok)" in text, f"s_client did not verify the server: {text[-800:]}")
    expect("ALPN protocol: http/1.1" in text, f"s_client saw no ALPN http/1.1: {text[-800:]}")
    expect("HTTP/1.1 101 Switching Protocols" in text, f"no 101 through s_client: {text[-800:]}")


async def https_requests_are_answered_too():
    s = Setup()
    server = s.server()
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=WAIT_S, context=s.context())
    conn.request("GET", "/nope", headers={"Host": "localhost"})
    r = conn.getresponse()
    expect(r.status == 404 and r.read() == b"not found\n", f"GET /nope over TLS: {r.status}")
    conn.request("HEAD", "/nope")  # the same kept-alive connection
    r = conn.getresponse()
    expect(r.status == 404, f"HEAD /nope over TLS: {r.status}")
    conn.close()


async def sni_picks_the_certificate_for_the_name():
    s = Setup()
    other_cert, other_key = s.pki.issue("other", "ca", names=("other.test",))
    server = Server("--tls-cert", s.cert, "--tls-key", s.key, "--tls-cert", other_cert, "--tls-key", other_key)

    def presented(name):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S),
                             server_hostname=name) as t:
            return ssl.DER_cert_to_PEM_cert(t.getpeercert(binary_form=True))

    def pem(path):
        with open(path) as f:
            return ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(f.read()))

    expect(presented("other.test") == pem(other_cert), "SNI other.test did not get the other.test certificate")
    expect(presented("localhost") == pem(s.cert), "SNI localhost did not get the first certificate")
    expect(presented("unknown.test") == pem(s.cert), "an unknown name did not get the default certificate")
    await echo_round_trips(wss(server), s.context(), server_hostname="other.test")


async def plain_http_on_the_tls_port_gets_no_answer_and_one_log_line():
    s = Setup()
    server = s.server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as plain:
        plain.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        got = b""
        try:
            while chunk := plain.recv(4096):
                got += chunk
        except ConnectionResetError:
            pass
        expect(b"HTTP/" not in got, f"a plain HTTP request was answered: {got!r}")
    wait_for_log(server, "plain HTTP request on the TLS port; closing")
    expect(server.stderr_text().count("plain HTTP request on the TLS port") == 1, "not exactly one log line")
    await echo_round_trips(wss(server), s.context())  # and the server goes on serving


async def a_bad_client_hello_is_closed_with_one_log_line():
    s = Setup()
    server = s.server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as raw:
        raw.sendall(b"\x16\x03\x01\x00\x05hello")  # a handshake record that is no ClientHello
        got = b""
        try:
            while chunk := raw.recv(4096):
                got += chunk
        except ConnectionResetError:
            pass
        expect(got in (b"", b"\x15\x03\x03\x00\x02\x02\x0a"), f"not an alert or nothing: {got!r}")
    wait_for_log(server, "bad client hello: ")


async def sighup_reloads_certificates_and_open_connections_stay():
    s = Setup()
    server = s.server()
    async with websockets.connect(wss(server), ssl=s.context(), server_hostname="localhost") as old:
        await old.send("before")
        expect(await within(old.recv()) == "before", "echo before the reload differs")
        new_ca = s.pki.ca("ca2")
        cert, key = s.pki.issue("server2", "ca2")
        shutil.copy(cert, s.cert)
        shutil.copy(key, s.key)
        server.signal(signal.SIGHUP)
        wait_for_log(server, "reloaded the TLS certificates")
        await echo_round_trips(wss(server), s.context(cafile=new_ca))
        try:
            async with websockets.connect(wss(server), ssl=s.context(), server_hostname="localhost"):
                raise AssertionError("the old certificate is still presented after the reload")
        except ssl.SSLCertVerificationError:
            pass
        await old.send("after")
        expect(await within(old.recv()) == "after", "the connection opened before the reload stopped echoing")
        # A reload that cannot load its files keeps what runs.
        with open(s.key, "w") as f:
            f.write("not a key\n")
        server.signal(signal.SIGHUP)
        wait_for_log(server, "reload refused, the running certificates stay")
        await echo_round_trips(wss(server), s.context(cafile=new_ca))


async def an_expired_certificate_stops_the_server_naming_the_file():
    s = Setup()
    cert, key = s.pki.issue("expired", "ca", days=-1)
    r = subprocess.run([sys.argv[1], "--port", "0", "--tls-cert", cert, "--tls-key", key],
                       capture_output=True, text=True, timeout=WAIT_S)
    expect(r.returncode == 1, f"sluice-echo with an expired certificate exited {r.returncode}")
    expect(f"{cert}: the certificate expired on " in r.stderr, f"stderr: {r.stderr!r}")
    expect("listening" not in r.stdout, f"it listened: {r.stdout!r}")


async def an_encrypted_key_needs_its_passphrase_file():
    s = Setup()
    cert, key = s.pki.issue("locked", "ca", passphrase="open sesame")
    good, bad = s.pki.path("pass"), s.pki.path("wrong")
    with open(good, "w") as f:
        f.write("open sesame\n")
    with open(bad, "w") as f:
        f.write("guess\n")
    for extra, message in ([], "the key is encrypted and no passphrase file is given"), \
                          (["--tls-key-passphrase-file", bad], "cannot decrypt the key with the passphrase in"):
        r = subprocess.run([sys.argv[1], "--port", "0", "--tls-cert", cert, "--tls-key", key, *extra],
                           capture_output=True, text=True, timeout=WAIT_S)
        expect(r.returncode == 1 and f"{key}: {message}" in r.stderr, f"{extra}: {r.returncode} {r.stderr!r}")
    server = Server("--tls-cert", cert, "--tls-key", key, "--tls-key-passphrase-file", good)
    await echo_round_trips(wss(server), s.context())


async def kernel_tls_option_serves_the_same_bytes():
    # Where the kernel cannot take the session over, sluice (TLS 1.3) or OpenSSL (TLS 1.2) keeps
    # the records: either way the bytes must be the same, including messages larger than the
    # socket takes at once.
    s = Setup()
    server = s.server("--kernel-tls")
    await echo_round_trips(wss(server), s.context())
    await echo_round_trips(wss(server), s.context(maximum=ssl.TLSVersion.TLSv1_2))


if __name__ == "__main__":
    run([echoes_over_tls_1_3_and_1_2_with_alpn_http_1_1, refuses_tls_below_1_2_and_alpn_without_http_1_1,
         openssl_s_client_verifies_and_upgrades, https_requests_are_answered_too, sni_picks_the_certificate_for_the_name,
         plain_http_on_the_tls_port_gets_no_answer_and_one_log_line, a_bad_client_hello_is_closed_with_one_log_line,
         sighup_reloads_certificates_and_open_connections_stay, an_expired_certificate_stops_the_server_naming_the_file,
         an_encrypted_key_needs_its_passphrase_file, kernel_tls_option_serves_the_same_bytes,
         sluice_client_over_wss_to_a_python_websockets_server])
