#!/usr/bin/python3
"""Memory of sluice-echo and the peer echo servers, measured in one run on one machine, printed
as a markdown table (issue 3 item 8, issue 5 item 2). The measuring code is bench/memlib.py,
the same the tests in tests/memory/ assert with.

  idle B/conn   server VmRSS growth over N idle upgraded connections (after 200 warm-up ones),
                divided by N; the kernel's own socket memory is not in RSS
  RSS @ nofile  VmRSS of one server holding 2 connections, started under RLIMIT_NOFILE = 1024
                and under the high limit (the machine's hard limit by default)
  50-proc PSS   50 processes of the server with 2 connections each: summed Pss (smaps_rollup)

Usage (from the repository's root, after building with -DSLUICE_BUILD_PEERS=ON and running
`npm ci` in tests/clients/node):
  /usr/bin/python3 bench/memory.py --bin build/bin
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)

import memlib  # noqa: E402

ROOT = os.path.dirname(HERE)
DEB_PACKAGES = {"lws": "libwebsockets-dev", "beast": "libboost-dev", "wspp": "libwebsocketpp-dev"}


def servers(bin_dir, node):
    """name -> (label, argv listening on 127.0.0.1 at a free port)."""
    b = bin_dir
    return {
        "sluice": ("sluice-echo", [os.path.join(b, "sluice-echo"), "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"]),
        "lws": ("libwebsockets (peer-lws-echo)", [os.path.join(b, "peer-lws-echo"), "--port", "0"]),
        "beast": ("Boost.Beast (peer-beast-echo)", [os.path.join(b, "peer-beast-echo"), "--port", "0"]),
        "wspp": ("websocketpp (peer-wspp-echo)", [os.path.join(b, "peer-wspp-echo"), "--port", "0"]),
        "ws": ("Node ws (ws-echo.js)", [node, os.path.join(HERE, "peers", "ws-echo.js"), "--port", "0"]),
    }


def version_of(name, node):
    try:
        if name in DEB_PACKAGES:
            pkg = DEB_PACKAGES[name]
            v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, timeout=10)
            return f"{pkg} {v.stdout.strip()}" if v.returncode == 0 else pkg
        if name == "ws":
            import json

            with open(os.path.join(ROOT, "tests", "clients", "node", "node_modules", "ws", "package.json")) as f:
                ws = json.load(f)["version"]
            nv = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
            return f"ws {ws}, node {nv}"
    except (OSError, subprocess.SubprocessError, KeyError, ValueError):
        pass
    return ""


def median_of(runs, fn):
    values = [fn() for _ in range(runs)]
    return statistics.median(values), values


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="the build's bin directory (sluice-echo, peer-*-echo)")
    p.add_argument("--node", default="node", help="the node program (default: node)")
    p.add_argument("--servers", default="sluice,lws,beast,wspp,ws", help="which servers, comma-separated")
    p.add_argument("--connections", type=int, default=10000, help="idle connections (default 10000)")
    p.add_argument("--processes", type=int, default=50, help="processes for the PSS figure (default 50)")
    p.add_argument(
        "--pss-servers", default="sluice,lws,beast,wspp", help="servers for the many-processes figure (default: all but ws)"
    )
    p.add_argument("--nofile-high", type=int, default=0, help="the high fd limit (default: the hard limit; above it needs CAP_SYS_RESOURCE)")
    p.add_argument("--runs", type=int, default=1, help="repeat each figure and report the median (default 1)")
    args = p.parse_args()

    nofile = memlib.raise_nofile_soft()
    high = args.nofile_high or memlib.nofile_hard()
    count = args.connections
    if nofile < count + 500:
        count = max(1000, nofile - 500)
        print(f"note: RLIMIT_NOFILE is {nofile}: measuring {count} idle connections, not {args.connections}")
    all_servers = servers(args.bin, args.node)
    chosen = [s for s in args.servers.split(",") if s]
    pss_set = {s for s in args.pss_servers.split(",") if s}
    for name in chosen:
        if name not in all_servers:
            p.error(f"unknown server {name!r}")

    rows = []
    for name in chosen:
        label, argv = all_servers[name]
        print(f"measuring {label} ...", file=sys.stderr, flush=True)
        idle, idle_runs = median_of(
            args.runs, lambda: memlib.idle_connection_bytes(argv, count=count)["bytes_per_connection"]
        )
        low_rss, _ = median_of(args.runs, lambda: memlib.rss_with_nofile(argv, 1024))
        high_rss, _ = median_of(args.runs, lambda: memlib.rss_with_nofile(argv, high))
        pss = None
        if name in pss_set:
            pss, _ = median_of(
                args.runs,
                lambda: memlib.many_processes_pss(lambda i: argv, processes=args.processes)["total_pss_kib"],
            )
        rows.append((name, label, idle, idle_runs, low_rss, high_rss, pss))

    print()
    print(
        f"| server | idle B/conn ({count:,} conns) | RSS, 2 conns, `ulimit -n 1024` | "
        f"RSS, 2 conns, `ulimit -n {high}` | difference | {args.processes} processes x 2 conns, total PSS |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, label, idle, idle_runs, low_rss, high_rss, pss in rows:
        spread = f" ({min(idle_runs):.0f}-{max(idle_runs):.0f})" if len(idle_runs) > 1 else ""
        pss_cell = f"{pss:,.0f} KiB ({pss / 1024:.1f} MiB)" if pss is not None else "not measured"
        print(
            f"| {label} | {idle:,.0f}{spread} | {low_rss:,.0f} KiB | {high_rss:,.0f} KiB | "
            f"{high_rss - low_rss:+,.0f} KiB | {pss_cell} |"
        )
    print()
    for name, label, *_ in rows:
        v = version_of(name, args.node)
        if v:
            print(f"- {label}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
