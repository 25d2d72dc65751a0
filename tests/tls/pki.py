"""A throwaway public-key infrastructure for the TLS tests, made with the `openssl` command.

Pki(dir) makes certificate authorities and certificates signed by them in `dir`: P-256 keys, a
subjectAltName with the DNS names and IP addresses given, validity in days (negative: already
expired), keys encrypted with a passphrase when one is given. Nothing here is secret or kept.
"""
import ipaddress
import os
import subprocess


def _openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {r.stderr.strip()}")


class Pki:
    def __init__(self, directory):
        self.dir = directory

    def path(self, name):
        return os.path.join(self.dir, name)

    def ca(self, name):
        """A self-signed CA: returns the path of its certificate (NAME.pem; key NAME.key)."""
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.path(name + ".key"), "-out", self.path(name + ".pem"), "-subj", f"/CN={name}",
                 "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return self.path(name + ".pem")

    def issue(self, name, ca, names=("localhost", "127.0.0.1"), days=30, passphrase=None):
        """A server certificate NAME.pem (key NAME.key) for `names`, signed by CA `ca`."""
        key_args = ["-nodes"] if passphrase is None else ["-passout", f"pass:{passphrase}"]
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", *key_args,
                 "-keyout", self.path(name + ".key"), "-out", self.path(name + ".csr"), "-subj", f"/CN={names[0]}")
        sans = []
        for n in names:
            try:
                ipaddress.ip_address(n)
                sans.append(f"IP:{n}")
            except ValueError:
                sans.append(f"DNS:{n}")
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={','.join(sans)}\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
        _openssl("x509", "-req", "-in", self.path(name + ".csr"), "-CA", self.path(ca + ".pem"),
                 "-CAkey", self.path(ca + ".key"), "-days", str(days), "-extfile", ext,
                 "-out", self.path(name + ".pem"))
        return self.path(name + ".pem"), self.path(name + ".key")
