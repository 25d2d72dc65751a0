// Interop (Node ws): sluice-echo selects no subprotocol. ws rejects a handshake that selects none
// of the subprotocols it offered ("Server sent no subprotocol"); that rejection must be clean, and
// the server keeps serving. Without an offer the client connects with protocol ''.
// Usage: node subprotocol.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

async function offeredSubprotocolIsNotSelected() {
  const server = await startServer();
  let c;
  try {
    c = await connect(server.url, ['chat', 'superchat']);
  } catch (e) {
    assert(/Server sent no subprotocol/.test(e.message), `handshake failed otherwise: ${e.message}`);
    console.log(`note: ws refused the handshake without a subprotocol: ${e.message}`);
  }
  if (c) {
    assert(c.ws.protocol === '', `server selected subprotocol ${JSON.stringify(c.ws.protocol)}`);
    await c.closeWith(1000);
  }
  const plain = await connect(server.url);
  assert(plain.ws.protocol === '', `server selected subprotocol ${JSON.stringify(plain.ws.protocol)}`);
  await plain.send('no subprotocol');
  assert((await plain.next()).data.toString() === 'no subprotocol', 'echo differs');
  await plain.closeWith(1000);
}

run([offeredSubprotocolIsNotSelected]);
