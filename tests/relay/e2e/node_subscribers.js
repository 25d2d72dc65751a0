// The relay's subscribers as Node's `ws` sees them (pinned in tests/clients/node): a wildcard
// subscription and a multi-topic one on a single connection each receive every matching
// message once and in order, text as text frames and binary as binary frames, byte for byte,
// whether it was published over HTTP or by a WebSocket client; a subscriber to another topic
// receives none of it.
//
// Usage: node node_subscribers.js PATH/sluice
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { freePort } = require('../browser_harness');

const TIME_LIMIT_MS = 60000;
const WAIT_MS = 10000;

let WebSocket;
try {
  WebSocket = require(path.join(__dirname, '..', '..', 'clients', 'node', 'node_modules', 'ws'));
} catch (e) {
  console.error('FAIL: the ws package is missing: run `npm ci --prefix tests/clients/node` (scripts/test does)');
  process.exit(1);
}

const CONFIG = `
[[topic]]
match = "plant/**"
publish = ["http", "clients"]
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(what) {
  throw new Error(what);
}

async function startRelay(binary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-node-e2e-'));
  const config = path.join(dir, 'sluice.toml');
  fs.writeFileSync(config, CONFIG);
  const port = await freePort();
  const proc = spawn(binary, ['--listen', `127.0.0.1:${port}`, '--config', config, '--log-level', 'warn'],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const end = Date.now() + WAIT_MS;
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (proc.exitCode !== null || Date.now() > end) fail('the relay did not start');
    await sleep(50);
  }
  return { proc, port, exited, dir };
}

// A subscriber that records every frame as [isBinary, bytes].
function subscribe(port, pathAndQuery) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${pathAndQuery}`);
  const frames = [];
  ws.on('message', (data, isBinary) => frames.push([isBinary, Buffer.from(data)]));
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, opened };
}

function publish(port, topic, body, contentType) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/topics/' + topic, method: 'POST',
      headers: { 'Content-Type': contentType } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text))
        : reject(new Error(`publish to ${topic}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor(what, condition) {
  const end = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > end) fail('timed out waiting for ' + what);
    await sleep(20);
  }
}

const show = (frames) => frames.map(([binary, b]) => (binary ? 'bin:' + b.toString('hex') : 'text:' + b.toString()));

async function main() {
  const binary = process.argv[2];
  if (!binary) fail('usage: node node_subscribers.js PATH/sluice');
  const relay = await startRelay(binary);
  try {
    const wild = subscribe(relay.port, '/topics/plant/**');
    const multi = subscribe(relay.port, '/topics?topic=plant/boiler&topic=plant/pumps/*');
    const other = subscribe(relay.port, '/topics/elsewhere');
    const publisher = subscribe(relay.port, '/topics/plant/pumps/p1');
    await Promise.all([wild.opened, multi.opened, other.opened, publisher.opened]);

    // Over HTTP: text (with multi-byte UTF-8), JSON, binary with every byte value.
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const answer = await publish(relay.port, 'plant/boiler', 'temp 71.5 °C', 'text/plain; charset=utf-8');
    if (answer.subscribers !== 2 || answer.seq !== 1) fail('publish answer ' + JSON.stringify(answer));
    await publish(relay.port, 'plant/boiler', '{"bar":2.1}', 'application/json');
    await publish(relay.port, 'plant/pumps/p2', everyByte, 'application/octet-stream');
    // From a WebSocket client on its topic: a text frame and a binary frame.
    publisher.ws.send('rpm 1450');
    publisher.ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
    // Its own copies back mean both were published, before what follows over HTTP.
    await waitFor('the publishing client\'s own copies', () => publisher.frames.length >= 2);
    // Deeper than one level: only the ** subscriber.
    await publish(relay.port, 'plant/pumps/p2/bearing', Buffer.from([1]), 'application/octet-stream');

    const expectedMulti = ['text:temp 71.5 °C', 'text:{"bar":2.1}', 'bin:' + everyByte.toString('hex'),
      'text:rpm 1450', 'bin:deadbeef'];
    const expectedWild = [...expectedMulti, 'bin:01'];
    await waitFor('the wildcard subscriber', () => wild.frames.length >= expectedWild.length);
    await waitFor('the multi-topic subscriber', () => multi.frames.length >= expectedMulti.length);
    // A marker on the other topic: once it arrives, anything stray would have arrived too.
    await publish(relay.port, 'elsewhere', 'marker', 'text/plain');
    await waitFor('the other subscriber', () => other.frames.length >= 1);
    await publish(relay.port, 'plant/boiler', 'last', 'text/plain');
    await waitFor('the final message', () => wild.frames.length > expectedWild.length
      && multi.frames.length > expectedMulti.length);

    const check = (name, got, want) => {
      if (JSON.stringify(got) !== JSON.stringify(want)) fail(`${name}: got ${JSON.stringify(got)}`);
      console.log('ok   ' + name);
    };
    check('wildcard subscriber: every match once, in order, text and binary kept', show(wild.frames),
      [...expectedWild, 'text:last']);
    check('multi-topic subscriber: every match once, in order, text and binary kept', show(multi.frames),
      [...expectedMulti, 'text:last']);
    check('other topic: only its own message', show(other.frames), ['text:marker']);
    check('the publishing client receives its own topic', show(publisher.frames),
      ['text:rpm 1450', 'bin:deadbeef']);

    for (const s of [wild, multi, other, publisher]) s.ws.close(1000);
  } finally {
    // SIGINT stops the relay as SIGTERM does: 1001 to everyone, drain, exit 0.
    if (relay.proc.exitCode === null) relay.proc.kill('SIGINT');
    const { code, signal } = await relay.exited;
    fs.rmSync(relay.dir, { recursive: true, force: true });
    if (code !== 0) fail(`relay exited with ${code ?? signal}`);
  }
}

const timer = setTimeout(() => {
  console.log('FAIL time limit of ' + TIME_LIMIT_MS / 1000 + ' s');
  process.exit(1);
}, TIME_LIMIT_MS);

main().then(() => {
  clearTimeout(timer);
  console.log('ok');
  process.exit(0);
}, (err) => {
  console.log('FAIL ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});
