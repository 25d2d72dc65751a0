"""Interop (python3-websockets): SIGTERM/SIGINT close every client with 1001, then sluice-echo exits 0.

Usage: python3 shutdown.py PATH_TO_SLUICE_ECHO
"""
import asyncio
import signal

import websockets

from harness import Server, expect, run, within


async def stop_with(signo, clients):
    server = Server()
    sockets = [await websockets.connect(server.url) for _ in range(clients)]
    for n, ws in enumerate(sockets):
        await ws.send(f"hello {n}")
        expect(await within(ws.recv()) == f"hello {n}", f"client {n}: echo before shutdown differs")
    server.signal(signo)
    await within(asyncio.gather(*(ws.wait_closed() for ws in sockets)), 10, "every client closed")
    for n, ws in enumerate(sockets):
        expect((ws.close_code, ws.close_reason) == (1001, "server shutting down"),
               f"client {n} closed with {ws.close_code} {ws.close_reason!r}, expected 1001 'server shutting down'")
    status = await asyncio.get_running_loop().run_in_executor(None, server.wait_exit, 20)
    expect(status == 0, f"sluice-echo exited with status {status} after {signo.name}")
    # A clean shutdown ends when the clients have answered, not at the server's deadline: its log
    # says so whatever the machine's pace, where a stopwatch would not.
    server.stderr.seek(0)
    log = server.stderr.read().decode(errors="replace")
    expect("shutdown deadline passed" not in log, f"the server waited out its shutdown deadline: {log!r}")


async def sigterm_closes_three_clients_with_1001_and_exits_0():
    await stop_with(signal.SIGTERM, 3)


async def sigint_closes_a_client_with_1001_and_exits_0():
    await stop_with(signal.SIGINT, 1)


async def sigterm_right_after_the_listening_line_exits_0():
    # A supervisor may stop the server as soon as it reports ready; repeated to catch a race.
    for attempt in range(20):
        server = Server()
        server.signal(signal.SIGTERM)
        status = await asyncio.get_running_loop().run_in_executor(None, server.wait_exit, 20)
        expect(status == 0, f"attempt {attempt}: sluice-echo exited with status {status} on a SIGTERM sent "
                            "right after its listening line (negative: killed by that signal)")


if __name__ == "__main__":
    run([sigterm_closes_three_clients_with_1001_and_exits_0, sigint_closes_a_client_with_1001_and_exits_0,
         sigterm_right_after_the_listening_line_exits_0])
