"""Shared start of the memory tests: finds bench/memlib.py and parses the common options."""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))

import memlib  # noqa: E402


def parse(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("server", help="path to sluice-echo")
    p.add_argument(
        "--skip",
        metavar="REASON",
        help="print REASON and exit 77 (skipped): memory bounds hold for the normal build only",
    )
    args = p.parse_args()
    if args.skip:
        print(f"skipped: {args.skip}")
        sys.exit(memlib.SKIP)
    return args


def echo_argv(server, port=0):
    return [server, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warn"]
