// Interop (Node ws): SIGTERM/SIGINT by PID close every client with 1001, then sluice-echo exits 0.
// Usage: node shutdown.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer, waitExit, withTimeout } = require('./harness');

async function stopWith(signal, clients) {
  const server = await startServer();
  const cs = [];
  for (let n = 0; n < clients; n++) cs.push(await connect(server.url));
  for (const [n, c] of cs.entries()) {
    await c.send(`hello ${n}`);
    assert((await c.next()).data.toString() === `hello ${n}`, `client ${n}: echo before shutdown differs`);
  }
  process.kill(server.proc.pid, signal);
  const closes = await withTimeout(Promise.all(cs.map((c) => c.closed)), 10000, 'every client closed');
  for (const [n, { code, reason }] of closes.entries()) {
    assert(code === 1001 && reason === 'server shutting down',
      `client ${n} closed with ${code} ${JSON.stringify(reason)}, expected 1001 "server shutting down"`);
  }
  const { code, signal: bySignal } = await waitExit(server, 20000);
  assert(code === 0, `sluice-echo exited with ${code ?? bySignal} after ${signal}`);
  // A clean shutdown ends when the clients have answered, not at the server's deadline: its log
  // says so whatever the machine's pace, where a stopwatch would not.
  assert(!server.stderr.includes('shutdown deadline passed'),
    `the server waited out its shutdown deadline: ${JSON.stringify(server.stderr)}`);
}

async function sigtermClosesThreeClientsWith1001AndExits0() {
  await stopWith('SIGTERM', 3);
}

async function sigintClosesAClientWith1001AndExits0() {
  await stopWith('SIGINT', 1);
}

async function sigtermRightAfterTheListeningLineExits0() {
  // A supervisor may stop the server as soon as it reports ready; repeated to catch a race.
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = await startServer();
    process.kill(server.proc.pid, 'SIGTERM');
    const { code, signal } = await waitExit(server, 20000);
    assert(code === 0, `attempt ${attempt}: sluice-echo exited with ${code ?? signal} on a SIGTERM sent right after ` +
      'its listening line');
  }
}

run([sigtermClosesThreeClientsWith1001AndExits0, sigintClosesAClientWith1001AndExits0, sigtermRightAfterTheListeningLineExits0]);
