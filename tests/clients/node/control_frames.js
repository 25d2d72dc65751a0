// Interop (Node ws): pings get pongs; a client's close completes and its code is echoed.
// Usage: node control_frames.js PATH_TO_SLUICE_ECHO
'use strict';
const { WebSocket, assert, connect, run, startServer } = require('./harness');

async function pingGetsAPongWithItsPayload() {
  const server = await startServer();
  const c = await connect(server.url);
  for (const payload of [Buffer.from('are you there'), Buffer.alloc(0), Buffer.from('é'.repeat(62) + 'x')]) {
    c.ws.ping(payload);
    const pong = await c.nextPong();
    assert(pong.equals(payload), `ping of ${payload.length} bytes got a pong of ${pong.toString('hex')}`);
  }
  await c.send('after the pings');
  assert((await c.next()).data.toString() === 'after the pings', 'echo after pings differs');
  await c.closeWith(1000);
}

async function pingWhileMessagesAreInFlightGetsAPong() {
  const server = await startServer();
  const c = await connect(server.url);
  const big = Buffer.alloc(10000, 'x');
  for (let i = 0; i < 100; i++) c.ws.send(big);
  c.ws.ping('midstream');
  for (let i = 0; i < 100; i++) assert((await c.next()).data.equals(big), `echo #${i} differs`);
  assert((await c.nextPong()).toString() === 'midstream', 'pong payload differs');
  await c.closeWith(1000);
}

async function closeWith(code, reason) {
  const server = await startServer();
  const c = await connect(server.url);
  await c.send('hello');
  assert((await c.next()).data.toString() === 'hello', 'echo before closing differs');
  const started = Date.now();
  const { code: got } = await c.closeWith(code, reason, 35000);
  const elapsed = (Date.now() - started) / 1000;
  // ws reports the close once TCP has ended; a slow close means the server kept the connection
  // open until ws's own close timer (30 s) cut it. A busy machine takes well under 10 s.
  assert(elapsed < 10, `close(${code}) took ${elapsed} s; the server did not end the connection`);
  assert(got === code, `sent close code ${code}, server answered ${got}`);
  assert(c.ws.readyState === WebSocket.CLOSED, `readyState after close is ${c.ws.readyState}`);
  assert(c.errors.length === 0, `errors during close: ${c.errors}`);
  const again = await connect(server.url);
  await again.send('again');
  assert((await again.next()).data.toString() === 'again', 'echo on a new connection differs');
  await again.closeWith(1000);
}

async function close1000WithAReasonCompletesAndTheCodeIsEchoed() {
  await closeWith(1000, 'done here');
}

async function closeWithAnApplicationCodeIsEchoed() {
  await closeWith(4000, 'application says bye é');
}

run([pingGetsAPongWithItsPayload, pingWhileMessagesAreInFlightGetsAPong, close1000WithAReasonCompletesAndTheCodeIsEchoed,
  closeWithAnApplicationCodeIsEchoed]);
