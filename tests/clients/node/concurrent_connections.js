// Interop (Node ws): fifty connections at once, each gets its own echoes.
// Usage: node concurrent_connections.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer, withTimeout } = require('./harness');

const CONNECTIONS = 50;
const MESSAGES = 20;

async function oneClient(url, n) {
  const c = await connect(url);
  for (let i = 0; i < MESSAGES; i++) {
    c.ws.send(`client ${n} message ${i}`);
    c.ws.send(Buffer.from(`client ${n} binary ${i}`));
  }
  for (let i = 0; i < MESSAGES; i++) {
    let m = await c.next(undefined, `echo ${i} on client ${n}`);
    assert(!m.isBinary && m.data.toString() === `client ${n} message ${i}`, `client ${n} got ${m.data}`);
    m = await c.next(undefined, `binary echo ${i} on client ${n}`);
    assert(m.isBinary && m.data.toString() === `client ${n} binary ${i}`, `client ${n} got ${m.data}`);
  }
  const { code } = await c.closeWith(1000);
  assert(code === 1000, `client ${n} closed with ${code}`);
  return n;
}

async function fiftyConcurrentConnectionsEachEcho() {
  const server = await startServer();
  const done = await withTimeout(Promise.all(Array.from({ length: CONNECTIONS }, (_, n) => oneClient(server.url, n))),
    30000, `all ${CONNECTIONS} clients finishing`);
  assert(done.length === CONNECTIONS, `${done.length} clients finished`);
}

run([fiftyConcurrentConnectionsEachEcho]);
