"""The sluice-client command-line tool, as a script would use it: one behaviour per case.

Usage: cli_test.py --client PROG --echo PROG --python-server SCRIPT CASE
Every process it starts is stopped by its PID; every wait has a deadline. Exit 0 pass, 1 fail.
"""

import argparse
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

WAIT = 10  # seconds: the longest any single step may take


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Server:
    """A server process that prints its port on stdout; stopped by PID."""

    def __init__(self, argv, marker):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.port = None
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            at = line.find(marker)
            if at >= 0:
                self.port = int(line[at + len(marker):].split("/")[0].strip())
                break
        check(self.port, f"{argv[0]} did not report its port")

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(WAIT)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(WAIT)
        self.proc.stdout.close()


def echo_server(args, port=0):
    return Server([args.echo, "--port", str(port), "--host", "127.0.0.1", "--log-level", "warn"],
                  "ws://127.0.0.1:")


def python_server(args):
    return Server([sys.executable, args.python_server], "listening ")


def run_client(args, argv, stdin_bytes=b"", stdin_file=None, timeout=WAIT):
    """Runs sluice-client to completion (bounded); returns (exit code, stdout, stderr)."""
    proc = subprocess.Popen([args.client] + argv, stdin=stdin_file if stdin_file else subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(None if stdin_file else stdin_bytes, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise Failure(f"sluice-client {argv} did not exit within {timeout} s; stdout {out[:200]!r} "
                      f"stderr {err[:500]!r}")
    return proc.returncode, out, err


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_line(proc, deadline):
    """One line of a running process's stdout, without blocking past `deadline`."""
    import select
    buf = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        c = os.read(proc.stdout.fileno(), 1)
        if not c:
            break
        if c == b"\n":
            return buf
        buf += c
    return None


# ---- cases ---------------------------------------------------------------------------------

def case_lines(args):
    """Two stdin lines come back as two stdout lines; exit 0 once stdin ends and the close is done."""
    srv = echo_server(args)
    try:
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/"], b"a\nb\n")
        check(out == b"a\nb\n", f"stdout {out!r} (stderr {err!r})")
        check(rc == 0, f"exit {rc} (stderr {err!r})")
    finally:
        srv.stop()


def case_count(args):
    """--count 2 exits 0 after two messages though stdin stays open."""
    srv = echo_server(args)
    proc = subprocess.Popen([args.client, f"ws://127.0.0.1:{srv.port}/", "--count", "2"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b"one\ntwo\n")
        proc.stdin.flush()  # and keep stdin open
        try:
            rc = proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise Failure("--count 2 did not exit after two messages")
        out = proc.stdout.read()
        check(out == b"one\ntwo\n", f"stdout {out!r}")
        check(rc == 0, f"exit {rc} (stderr {proc.stderr.read()!r})")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
        srv.stop()


def case_binary(args):
    """--binary: 300 KB of random bytes from a file come back in 64 KiB chunks, each + newline."""
    data = random.Random(42).randbytes(300_000)
    srv = echo_server(args)
    try:
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/", "--binary"], stdin_file=f)
        # A regular file is read in full 64 KiB chunks, the last one shorter.
        chunk = 65536
        expected = b"".join(data[i:i + chunk] + b"\n" for i in range(0, len(data), chunk))
        check(len(out) == len(expected), f"stdout has {len(out)} bytes, expected {len(expected)} "
                                         f"(stderr {err!r})")
        check(hashlib.sha256(out).digest() == hashlib.sha256(expected).digest(),
              "the echoed bytes differ from the input")
        check(rc == 0, f"exit {rc} (stderr {err!r})")
    finally:
        srv.stop()


def case_refused(args):
    """Nothing listens on the port: exit 1, with a message on stderr."""
    rc, out, err = run_client(args, [f"ws://127.0.0.1:{free_port()}/"], b"x\n")
    check(rc == 1, f"exit {rc}, expected 1 (stderr {err!r})")
    check(b"refused" in err, f"stderr does not say why: {err!r}")
    check(out == b"", f"stdout {out!r}")


def case_bad_url(args):
    """A URL that is not ws://host[:port][/path] is a usage error: exit 2."""
    for url in ["http://127.0.0.1:1/", "ws://", "not a url", "wss-less://x/"]:
        rc, out, err = run_client(args, [url], b"")
        check(rc == 2, f"{url!r}: exit {rc}, expected 2 (stderr {err!r})")
    rc, _, err = run_client(args, [], b"")
    check(rc == 2, f"no URL: exit {rc}, expected 2 (stderr {err!r})")
    rc, _, err = run_client(args, ["ws://127.0.0.1:1/", "--no-such-option"], b"")
    check(rc == 2, f"unknown option: exit {rc}, expected 2 (stderr {err!r})")


def case_header(args):
    """--header 'X-Test: 1' reaches an independent (python) server."""
    srv = python_server(args)
    try:
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/headers", "--header", "X-Test: 1",
                                         "--header", "X-Other:two", "--count", "1"], None)
        check(b'"x-test":"1"' in out, f"stdout {out!r}")
        check(b'"x-other":"two"' in out, f"stdout {out!r}")
        check(rc == 0, f"exit {rc} (stderr {err!r})")
    finally:
        srv.stop()


def case_subprotocol(args):
    """--subprotocol offers one: the python server selects it and says so."""
    srv = python_server(args)
    try:
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/subprotocol", "--subprotocol", "chat.v1",
                                         "--subprotocol", "chat.v2", "--count", "1"], None)
        check(out == b"chat.v2\n", f"stdout {out!r} (stderr {err!r})")
        check(rc == 0, f"exit {rc} (stderr {err!r})")
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/bad-subprotocol", "--subprotocol",
                                         "chat.v1"], b"x\n")
        check(rc == 1, f"a subprotocol not offered: exit {rc}, expected 1 (stderr {err!r})")
        check(b"not offered" in err, f"stderr {err!r}")
    finally:
        srv.stop()


def case_compression(args):
    """--compression offers permessage-deflate: the python server accepts it, and a long line
    goes and comes back compressed, intact; an unknown mode is a usage error."""
    srv = python_server(args)
    try:
        line = ("sensor-%d=21.5;" * 2000) % tuple(range(2000))
        for mode in ("shared", "dedicated"):
            rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/extensions", "--compression", mode,
                                             "--count", "2"], (line + "\n").encode())
            lines = out.decode().split("\n")
            check(lines[0].startswith("permessage-deflate"), f"{mode}: extensions {lines[0]!r}")
            check(len(lines) >= 2 and lines[1] == line, f"{mode}: the echo differs ({len(out)} bytes out)")
            check(rc == 0, f"{mode}: exit {rc} (stderr {err!r})")
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/extensions", "--count", "1"], None)
        check(out == b"\n", f"without --compression the server agreed {out!r}")
        rc, out, err = run_client(args, [f"ws://127.0.0.1:{srv.port}/echo", "--compression", "zip"], None)
        check(rc == 2, f"--compression zip: exit {rc}, expected 2")
    finally:
        srv.stop()


def case_reconnect(args):
    """--reconnect: the server is killed by PID and restarted on the same port; lines go on.

    The first echo is read before the kill (as case_line_at_a_time does), so a busy machine
    that is slow to deliver it cannot lose it to the kill.
    """
    srv = echo_server(args)
    port = srv.port
    proc = subprocess.Popen([args.client, f"ws://127.0.0.1:{port}/", "--reconnect"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b"one\n")
        proc.stdin.flush()
        line = read_line(proc, time.monotonic() + WAIT)
        check(line == b"one", f"first echo {line!r}")
        srv.kill()
        time.sleep(0.5)
        check(proc.poll() is None, f"sluice-client exited ({proc.returncode}) when the server went away")
        srv = echo_server(args, port)
        check(srv.port == port, "sluice-echo did not come back on the same port")
        # Read by the tool only once it is connected again; then end of input closes cleanly.
        proc.stdin.write(b"two\n")
        proc.stdin.flush()
        proc.stdin.close()
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise Failure("sluice-client did not exit after the restart and the end of stdin")
        out, err = proc.stdout.read(), proc.stderr.read()
        check(out == b"two\n", f"stdout after the restart {out!r} (stderr {err!r})")
        check(proc.returncode == 0, f"exit {proc.returncode} (stderr {err!r})")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if not f.closed:
                f.close()
        srv.stop()


def case_line_at_a_time(args):
    """A message received is on stdout while the tool still runs (a script reading its output)."""
    srv = echo_server(args)
    proc = subprocess.Popen([args.client, f"ws://127.0.0.1:{srv.port}/"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b"one\n")
        proc.stdin.flush()
        line = read_line(proc, time.monotonic() + WAIT)
        check(line == b"one", f"first line {line!r}")
        proc.stdin.close()
        check(proc.wait(WAIT) == 0, f"exit {proc.returncode}")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if not f.closed:
                f.close()
        srv.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    p.add_argument("--echo", required=True)
    p.add_argument("--python-server", required=True)
    p.add_argument("case")
    args = p.parse_args()
    fn = globals().get("case_" + args.case)
    if fn is None:
        print(f"unknown case {args.case}", file=sys.stderr)
        return 2
    try:
        fn(args)
    except Failure as e:
        print(f"FAIL {args.case}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
