// /sluice.js in headless Chromium (Debian's, driven by playwright-core) against a real relay:
// a page subscribes to exact and wildcard topics and receives text as text and binary as bytes;
// the relay is stopped by its PID and started again on the same port, first refusing the
// page's origin while messages are published, then (after a SIGHUP reload) letting it in. The
// page must report a reset for every topic it had seen, the gap the new run's history cannot
// fill, every message the history holds exactly once, and keep receiving live messages.
//
// Usage: node browser_client_test.js --relay PATH/sluice
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { Harness, freePort, requirePlaywright, option, sleep } = require('../browser_harness');

const TIME_LIMIT_MS = 140000;
const WAIT_MS = 20000;

const harness = new Harness(requirePlaywright(__dirname));
const check = (name, ok, detail) => harness.check(name, ok, detail);

async function until(what, condition, timeoutMs = WAIT_MS) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await sleep(50);
  }
  throw new Error('timed out waiting for ' + what);
}

// One run of the relay: started with a config file, stopped by its PID.
class Relay {
  constructor(binary, port, dir, run) {
    this.binary = binary;
    this.port = port;
    this.config = path.join(dir, 'sluice.toml');
    this.logPath = path.join(dir, `relay-${run}.log`);
  }

  async start(configText) {
    fs.writeFileSync(this.config, configText);
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(this.binary, ['--listen', `127.0.0.1:${this.port}`, '--config', this.config,
      '--log-level', 'info'], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    harness.defer(() => { if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL'); });
    await until('the relay to listen on ' + this.port, () => new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    }));
  }

  log() { return fs.readFileSync(this.logPath, 'utf8'); }

  async reload(configText) {
    const before = (this.log().match(/reloaded/g) || []).length;
    fs.writeFileSync(this.config, configText);
    process.kill(this.proc.pid, 'SIGHUP');
    await until('the reload', () => (this.log().match(/reloaded/g) || []).length > before);
  }

  async stop() {
    process.kill(this.proc.pid, 'SIGTERM');
    return this.exited;
  }
}

function publish(port, topic, body, contentType) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/topics/' + topic, method: 'POST',
      headers: { 'Content-Type': contentType || 'text/plain' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text))
        : reject(new Error(`publish to ${topic}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TOPICS = `
[[topic]]
match = "browser/**"
history = 100

[[topic]]
match = "browser/g"
history = 2
`;

// An application's page, from another server on loopback: it loads /sluice.js from the relay
// (which the client then takes as its relay) and records what the client reports, in order.
const pageHtml = (relay) => `<!doctype html><meta charset="utf-8"><title>sluice.js</title>
<script src="${relay}/sluice.js"></script>
<script>
  window.events = [];
  const record = (kind) => (e) => window.events.push({ kind, ...e });
  window.feed = sluice.subscribe(['browser/a', 'browser/b/*', 'browser/g'], {
    message(m) {
      const binary = m.data instanceof Uint8Array;
      window.events.push({ kind: 'message', topic: m.topic, seq: m.seq, binary,
        data: binary ? Array.from(m.data) : m.data, time: m.time });
    },
    gap: record('gap'),
    reset: record('reset'),
    state(s) { window.events.push({ kind: 'state', state: s }); },
  }, { minDelay: 200, maxDelay: 1000 });
</script>`;

// Serves the application's page on a free loopback port; returns its URL.
function servePage(relay) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(pageHtml(relay));
  });
  // The browser may still hold a kept-alive connection: close() alone would wait for it.
  harness.defer(() => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  }));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/`)));
}

async function events(page, kind) {
  return (await page.evaluate(() => window.events)).filter((e) => !kind || e.kind === kind);
}

async function waitEvents(page, what, predicate) {
  await until(what, async () => predicate(await events(page)));
  return events(page);
}

const messages = (list) => list.filter((e) => e.kind === 'message');
const brief = (m) => `${m.topic}#${m.seq}=${m.binary ? '[' + m.data + ']' : m.data}`;

async function main() {
  const binary = option('relay');
  if (!binary) throw new Error('usage: node browser_client_test.js --relay PATH/sluice');
  const dir = harness.tempDir('sluice-browser-');
  const port = await freePort();
  const relay = `http://127.0.0.1:${port}`;

  const first = new Relay(binary, port, dir, 1);
  await first.start(TOPICS);

  const context = await harness.browser();
  const page = context.pages()[0] || await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  await page.goto(await servePage(relay));

  await waitEvents(page, 'the first connection', (e) => e.some((x) => x.kind === 'state' && x.state === 'live'));
  await publish(port, 'browser/a', 'a1');
  await publish(port, 'browser/a', 'a2');
  await publish(port, 'browser/b/x', Buffer.from([0, 1, 255]), 'application/octet-stream');
  await publish(port, 'browser/a', 'a3');
  await publish(port, 'browser/g', 'g1');
  let got = messages(await waitEvents(page, 'five messages', (e) => messages(e).length >= 5));
  check('receives what is published, text as text and binary as bytes',
    got.map(brief).join(' ') === 'browser/a#1=a1 browser/a#2=a2 browser/b/x#1=[0,1,255] browser/a#3=a3 browser/g#1=g1',
    got.map(brief));
  check('messages carry the publish time', got.every((m) => Number.isInteger(m.time) && m.time > 1.6e12));

  // Stop by PID: the page notices and waits to reconnect.
  const stopped = await first.stop();
  check('the first run exits 0 on SIGTERM', stopped.code === 0, stopped);
  await waitEvents(page, 'the page to notice', (e) => e.at(-1).kind === 'state' && e.at(-1).state !== 'live');
  const beforeRestart = (await events(page)).length;

  // The second run refuses the page's origin at first, so that it publishes while the page is
  // still out: browser/g's history (2) cannot hold all of it.
  const second = new Relay(binary, port, dir, 2);
  await second.start('[server]\nallowed_origins = ["http://elsewhere.invalid"]\n' + TOPICS);
  await publish(port, 'browser/a', 'A1');
  await publish(port, 'browser/a', 'A2');
  for (let i = 1; i <= 5; i++) await publish(port, 'browser/g', 'G' + i);
  await until('a refused reconnection', () => /origin not allowed/.test(second.log()));
  check('the page retries while refused', messages(await events(page)).length === 5);
  await second.reload(TOPICS);

  const after = await waitEvents(page, 'the resumed stream',
    (e) => messages(e.slice(beforeRestart)).length >= 4 && e.slice(beforeRestart).filter((x) => x.kind === 'reset').length >= 3);
  const tail = after.slice(beforeRestart);
  const resets = tail.filter((e) => e.kind === 'reset').map((r) => `${r.topic} ${r.since}->${r.last}`).sort();
  check('reports a reset for every topic it had seen', JSON.stringify(resets) ===
    JSON.stringify(['browser/a 3->2', 'browser/b/x 1->0', 'browser/g 1->5']), resets);
  const gaps = tail.filter((e) => e.kind === 'gap').map((g) => `${g.topic} ${g.from}..${g.to} ${g.reason}`);
  check('reports what the new run\'s history no longer holds', JSON.stringify(gaps) ===
    JSON.stringify(['browser/g 1..3 evicted']), gaps);
  got = messages(tail);
  check('gets the new run\'s history after the reset, once each',
    got.map(brief).sort().join(' ') === 'browser/a#1=A1 browser/a#2=A2 browser/g#4=G4 browser/g#5=G5', got.map(brief));

  await publish(port, 'browser/a', 'A3');
  await publish(port, 'browser/b/y', Buffer.from([7]), 'application/octet-stream');
  got = messages(await waitEvents(page, 'live messages after the restart',
    (e) => messages(e.slice(beforeRestart)).length >= 6)).slice(-2);
  check('keeps receiving live', got.map(brief).join(' ') === 'browser/a#3=A3 browser/b/y#1=[7]', got.map(brief));
  const all = messages(await events(page));
  check('nothing repeated', all.length === 11, all.map(brief));

  await page.evaluate(() => window.feed.close());
  const last = (await events(page, 'state')).at(-1);
  check('close() ends the subscription', last && last.state === 'closed', last);
  check('no script errors in the page', pageErrors.length === 0, pageErrors);
  // Chromium logs each refused or failed WebSocket handshake itself; nothing else may appear.
  const unexpected = consoleErrors.filter((e) => !/WebSocket connection to .* failed/.test(e));
  check('no console errors besides the refused reconnections', unexpected.length === 0, unexpected);
  const code = await second.stop();
  check('the second run exits 0 on SIGTERM', code.code === 0, code);
}

harness.run(main, { timeLimitMs: TIME_LIMIT_MS, needPass: true });
