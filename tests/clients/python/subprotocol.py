"""Interop (python3-websockets): sluice-echo selects no subprotocol, and a client that offers some
still connects without one (RFC 6455 §4.2.2: the server may select none).

Usage: python3 subprotocol.py PATH_TO_SLUICE_ECHO
"""
import websockets

from harness import Server, expect, raw_upgrade, run, within


async def offered_subprotocols_are_not_selected_and_the_client_still_echoes():
    server = Server()
    try:
        ws = await within(websockets.connect(server.url, subprotocols=["chat", "superchat"]),
                          what="handshake offering subprotocols")
    except websockets.exceptions.InvalidHandshake as e:
        # A client may insist on one of its subprotocols; refusing is then correct, crashing is not.
        print(f"note: the client refused a handshake without a subprotocol: {e}")
        return
    try:
        expect(ws.subprotocol is None, f"server selected subprotocol {ws.subprotocol!r}")
        await ws.send("no subprotocol")
        expect(await within(ws.recv()) == "no subprotocol", "echo differs")
    finally:
        await ws.close()
    expect(ws.close_code == 1000, f"close code {ws.close_code}")


async def the_101_response_has_no_subprotocol_header():
    server = Server()
    s, head = raw_upgrade(server.port, "Sec-WebSocket-Protocol: chat, superchat\r\n")
    s.close()
    lines = [line.lower() for line in head.split(b"\r\n")]
    expect(not any(line.startswith(b"sec-websocket-protocol:") for line in lines),
           f"101 response selects a subprotocol: {head!r}")


if __name__ == "__main__":
    run([offered_subprotocols_are_not_selected_and_the_client_still_echoes,
         the_101_response_has_no_subprotocol_header])
