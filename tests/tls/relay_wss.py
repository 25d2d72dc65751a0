"""The relay over TLS from its configuration ([server] tls_cert, tls_key, tls_key_passphrase_file,
tls_sni): subscribers on wss://, publishing over https with curl, SIGHUP reading new certificates
while a subscriber stays connected, and --check-config naming FILE:LINE:COLUMN for a certificate
that cannot be used. The test CA comes from the `openssl` command (pki.py).

Usage: python3 relay_wss.py PATH/sluice
"""
import asyncio
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "relay", "e2e"))

import websockets  # noqa: E402

from pki import Pki  # noqa: E402
from relay_harness import Relay, check, curl, run  # noqa: E402


def client_context(ca, name="localhost"):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx, name


async def main(binary):
    certs = tempfile.mkdtemp(prefix="sluice-relay-tls-")
    try:
        await checks(binary, certs)
    finally:
        shutil.rmtree(certs, ignore_errors=True)


async def checks(binary, certs):
    pki = Pki(certs)
    ca = pki.ca("ca")
    cert, key = pki.issue("server", "ca", passphrase="relay pass")
    with open(pki.path("pass"), "w") as f:
        f.write("relay pass\n")
    other_cert, other_key = pki.issue("other", "ca", names=("other.test",))
    config = (f'[server]\ntls_cert = "{cert}"\ntls_key = "{key}"\ntls_key_passphrase_file = "{pki.path("pass")}"\n'
              f'tls_sni = [{{ cert = "{other_cert}", key = "{other_key}" }}]\n')

    # A certificate that cannot be used is a configuration error at its key.
    expired_cert, expired_key = pki.issue("expired", "ca", days=-1)
    bad = pki.path("bad.toml")
    with open(bad, "w") as f:
        f.write(f'[server]\nthreads = 1\ntls_cert = "{expired_cert}"\ntls_key = "{expired_key}"\n')
    r = subprocess.run([binary, "--check-config", bad], capture_output=True, text=True, timeout=20)
    check(r.returncode == 2, f"--check-config with an expired certificate: exit {r.returncode}")
    check(re.search(re.escape(bad) + r":3:\d+: server\.tls_cert: TLS: " + re.escape(expired_cert) +
                    r": the certificate expired on ", r.stderr), f"error line: {r.stderr!r}")
    with open(bad, "w") as f:
        f.write(f'[server]\ntls_key = "{key}"\n')
    r = subprocess.run([binary, "--check-config", bad], capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and bad + ":2:" in r.stderr and "tls_key needs tls_cert" in r.stderr,
          f"tls_key alone: {r.returncode} {r.stderr!r}")

    relay = Relay(binary, config)
    try:
        check(relay.wait_log(f"sluice relay listening on wss://127.0.0.1:{relay.port}/ and https://127.0.0.1:{relay.port}/"), "the relay names https")
        ctx = ssl.create_default_context(cafile=ca)
        url = f"wss://127.0.0.1:{relay.port}/topics/t"
        async with websockets.connect(url, ssl=ctx, server_hostname="localhost") as ws:
            status, _ = curl("--cacert", ca, "--resolve", f"localhost:{relay.port}:127.0.0.1", "-X", "POST",
                             "-H", "Content-Type: text/plain", f"https://localhost:{relay.port}/topics/t", data="one")
            check(status == 200, f"publish over https: {status}")
            check(await asyncio.wait_for(ws.recv(), 10) == "one", "the subscriber got the message over wss")

            # SNI: the other name gets the other certificate, on the same port.
            async with websockets.connect(url, ssl=ctx, server_hostname="other.test") as sni:
                peer = sni.transport.get_extra_info("ssl_object").getpeercert()
                check(("DNS", "other.test") in peer.get("subjectAltName", ()), f"SNI certificate: {peer}")

            # SIGHUP: new files behind the same names; new connections get them, this one stays.
            new_ca = pki.ca("ca2")
            new_cert, new_key = pki.issue("server2", "ca2", passphrase="relay pass")
            shutil.copy(new_cert, cert)
            shutil.copy(new_key, key)
            relay.signal(signal.SIGHUP)
            check(relay.wait_log("reloaded"), "reload logged")
            new_ctx = ssl.create_default_context(cafile=new_ca)
            async with websockets.connect(url, ssl=new_ctx, server_hostname="localhost") as fresh:
                status, _ = curl("--cacert", new_ca, "--resolve", f"localhost:{relay.port}:127.0.0.1", "-X", "POST",
                                 "-H", "Content-Type: text/plain", f"https://localhost:{relay.port}/topics/t",
                                 data="two")
                check(status == 200, f"publish after the reload: {status}")
                check(await asyncio.wait_for(fresh.recv(), 10) == "two", "a new subscriber is served")
            check(await asyncio.wait_for(ws.recv(), 10) == "two", "the subscriber from before the reload stays")
            try:
                async with websockets.connect(url, ssl=ctx, server_hostname="localhost"):
                    raise AssertionError("the old certificate is still presented after the reload")
            except ssl.SSLCertVerificationError:
                pass
    finally:
        relay.stop()


run(main)
