"""Interop (http.client): plain HTTP gets 404; a handshake for another WebSocket version gets 426.

http.client connects directly (it never reads the *_proxy variables).
Usage: python3 plain_http.py PATH_TO_SLUICE_ECHO
"""
import http.client

import websockets

from harness import RAW_KEY, Server, expect, run, within


def request(port, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


async def get_of_an_unknown_path_is_404():
    server = Server()
    status, headers, body = request(server.port, "/nope")
    expect(status == 404, f"GET /nope: status {status}, headers {dict(headers)}, body {body!r}")
    status, headers, body = request(server.port, "/nope", method="HEAD")
    expect(status == 404 and body == b"", f"HEAD /nope: status {status}, body {body!r}")


async def handshake_for_version_8_is_426_naming_version_13():
    server = Server()
    status, headers, body = request(server.port, "/", {"Upgrade": "websocket", "Connection": "Upgrade",
                                                       "Sec-WebSocket-Key": RAW_KEY, "Sec-WebSocket-Version": "8"})
    expect(status == 426, f"version 8 handshake: status {status}, body {body!r}")
    expect(headers.get_all("Sec-WebSocket-Version") == ["13"],
           f"426 response's Sec-WebSocket-Version headers: {headers.get_all('Sec-WebSocket-Version')}")


async def websocket_clients_are_served_after_plain_http():
    server = Server()
    for _ in range(3):
        request(server.port, "/nope")
    async with websockets.connect(server.url) as ws:
        await ws.send("still a websocket server")
        expect(await within(ws.recv()) == "still a websocket server", "echo after plain HTTP differs")


if __name__ == "__main__":
    run([get_of_an_unknown_path_is_404, handshake_for_version_8_is_426_naming_version_13,
         websocket_clients_are_served_after_plain_http])
