// Interop: Node's `ws` client against sluice-echo. Usage: node echo_test.js PATH_TO_SLUICE_ECHO
// Each check starts its own server on a free port and stops it by PID. Exits non-zero on the
// first failure; every wait is bounded.
'use strict';
const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');
let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  console.error('echo_test: the ws package is missing: run `npm ci --prefix tests/clients/node`');
  process.exit(1);
}

const ECHO = process.argv[2];
if (!ECHO) throw new Error('usage: node echo_test.js SLUICE_ECHO');
setTimeout(() => { console.error('echo_test: overall timeout'); process.exit(1); }, 120000).unref();

function startServer(args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(ECHO, ['--port', '0', '--log-level', 'error', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/ws:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ proc, url: `ws://127.0.0.1:${m[1]}/` });
    });
    proc.on('exit', (code) => reject(new Error(`sluice-echo exited early with ${code}`)));
  });
}

function stop(server) {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null) return resolve(server.proc.exitCode);
    server.proc.removeAllListeners('exit');
    server.proc.on('exit', (code) => resolve(code));
    server.proc.kill('SIGTERM');
  });
}

function open(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws) {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data, isBinary })));
}

function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const checks = {
  async textAndBinaryKeepTheirType(url) {
    const ws = await open(url);
    ws.send('héllo, wörld');
    let m = await nextMessage(ws);
    assert.equal(m.isBinary, false);
    assert.equal(m.data.toString(), 'héllo, wörld');
    ws.send(Buffer.from([0, 1, 2, 255]));
    m = await nextMessage(ws);
    assert.equal(m.isBinary, true);
    assert.deepEqual([...m.data], [0, 1, 2, 255]);
    ws.close();
    await closed(ws);
  },

  async sizesAtTheLengthBoundaries(url) {
    const ws = await open(url, { maxPayload: 32 * 1024 * 1024 });
    for (const size of [0, 125, 126, 65535, 65536, 1 << 20, 16 << 20]) {
      const payload = Buffer.alloc(size, size % 251);
      ws.send(payload);
      const m = await nextMessage(ws);
      assert.equal(m.data.length, size, `size ${size}`);
      assert.ok(m.data.equals(payload), `payload of size ${size}`);
    }
    ws.close();
    await closed(ws);
  },

  async tenThousandPipelinedMessagesComeBackInOrder(url) {
    const ws = await open(url);
    const n = 10000;
    let next = 0;
    const done = new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        if (data.toString() !== `m${next}`) reject(new Error(`expected m${next}, got ${data}`));
        if (++next === n) resolve();
      });
    });
    for (let i = 0; i < n; i++) ws.send(`m${i}`);
    await done;
    ws.close();
    await closed(ws);
  },

  async pingGetsPong(url) {
    const ws = await open(url);
    const pong = new Promise((resolve) => ws.once('pong', (data) => resolve(data.toString())));
    ws.ping('are you there');
    assert.equal(await pong, 'are you there');
    ws.close();
    await closed(ws);
  },

  async closeCodeAndReasonAreEchoed(url) {
    const ws = await open(url);
    const c = closed(ws);
    ws.close(4001, 'bye now');
    const { code } = await c;
    assert.equal(code, 4001);
  },

  async fragmentedMessageIsReassembled(url) {
    const ws = await open(url);
    ws.send('frag', { fin: false });
    ws.send('men', { fin: false });
    ws.send('ted', { fin: true });
    const m = await nextMessage(ws);
    assert.equal(m.data.toString(), 'fragmented');
    ws.close();
    await closed(ws);
  },

  async fiftyConcurrentConnectionsEcho(url) {
    const sockets = await Promise.all(Array.from({ length: 50 }, () => open(url)));
    const replies = sockets.map((ws, i) => {
      const p = nextMessage(ws);
      ws.send(`from ${i}`);
      return p;
    });
    const got = await Promise.all(replies);
    got.forEach((m, i) => assert.equal(m.data.toString(), `from ${i}`));
    await Promise.all(sockets.map((ws) => { const c = closed(ws); ws.close(); return c; }));
  },
};

async function main() {
  let passed = 0;
  const server = await startServer();
  try {
    for (const [name, check] of Object.entries(checks)) {
      await check(server.url);
      console.log(`ok ${name}`);
      passed++;
    }
  } finally {
    await stop(server);
  }

  // Oversized message: 1009 for that connection, the others keep working.
  const small = await startServer(['--max-message-size', '1000']);
  try {
    const bystander = await open(small.url);
    const ws = await open(small.url);
    const c = closed(ws);
    ws.send(Buffer.alloc(2000));
    assert.equal((await c).code, 1009);
    bystander.send('still here');
    assert.equal((await nextMessage(bystander)).data.toString(), 'still here');
    bystander.close();
    console.log('ok oversizedMessageClosesWith1009AndOthersKeepWorking');
    passed++;
  } finally {
    await stop(small);
  }

  // SIGTERM: every client sees 1001, the server exits 0.
  const s = await startServer();
  const clients = await Promise.all([open(s.url), open(s.url), open(s.url)]);
  const codes = clients.map(closed);
  const exit = stop(s);
  for (const { code } of await Promise.all(codes)) assert.equal(code, 1001);
  assert.equal(await exit, 0);
  console.log('ok sigtermClosesEveryoneWith1001AndExitsZero');
  passed++;
  console.log(`${passed} passed, 0 failed`);
}

main().catch((e) => { console.error(e); process.exit(1); });
