"""An independent WebSocket server for the sluice client tests (Debian's python3-websockets).

Listens on 127.0.0.1 (port from argv[1], default 0 = any free one), prints `listening PORT`, then
one `close CODE REASON` line per connection that ended. What it does depends on the path:

  /echo             every message back with its type
  /headers          sends the request headers as one JSON text message (names lower-cased)
  /subprotocol      selects "chat.v2" if offered and sends the selected one as a text message
  /bad-subprotocol  answers with a subprotocol the client did not offer
  /close/CODE       closes with CODE and reason "server says bye"
  /ping             pings with "probe", and once the pong came sends "pong probe"
  /extensions       sends the Sec-WebSocket-Extensions it answered ("" for none), then echoes;
                    permessage-deflate is accepted when offered and then compresses every message
"""

import asyncio
import json
import sys

import websockets
import websockets.server


class Protocol(websockets.server.WebSocketServerProtocol):
    def select_subprotocol(self, client_subprotocols, server_subprotocols):
        if self.path == "/bad-subprotocol":
            return "not-offered"
        if self.path == "/subprotocol" and "chat.v2" in client_subprotocols:
            return "chat.v2"
        return None


async def handler(ws, path):
    try:
        if path == "/headers":
            headers = {k.lower(): v for k, v in ws.request_headers.raw_items()}
            await ws.send(json.dumps(headers, separators=(",", ":"), sort_keys=True))
        elif path == "/subprotocol":
            await ws.send(ws.subprotocol or "")
        elif path.startswith("/close/"):
            await ws.close(int(path[len("/close/"):]), "server says bye")
        elif path == "/extensions":
            await ws.send(ws.response_headers.get("Sec-WebSocket-Extensions", ""))
        elif path == "/ping":
            waiter = await ws.ping(b"probe")
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong probe")
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        print(f"close {ws.close_code} {ws.close_reason}", flush=True)


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    async with websockets.serve(
        handler,
        "127.0.0.1",
        port,
        create_protocol=Protocol,
        subprotocols=["chat.v2", "not-offered"],
        max_size=None,
        ping_interval=None,
        compression="deflate",
    ) as server:
        print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
