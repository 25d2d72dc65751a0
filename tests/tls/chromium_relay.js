// Headless Chromium (Debian's, driven by playwright-core) against the relay over TLS: the
// dashboard loads over https://, its stats feed and a page's own subscription come over wss://,
// and a message published over https reaches the page. With permessage-deflate on (the relay's
// `compression = "shared"`), Chromium's offer is accepted and a message the page publishes on its
// own connection comes back to it intact: compressed by Chromium, inflated and compressed again
// by the relay, inflated by Chromium. The test CA is made by the `openssl`
// command (pki.py); Chromium accepts the server's certificate through
// --ignore-certificate-errors-spki-list with that certificate's key hash, which leaves every
// other check (name, dates, TLS version) to Chromium.
//
// Usage: node chromium_relay.js PATH/sluice (the relay program)
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { Harness, freePort, requirePlaywright } = require('../relay/browser_harness');

const TIME_LIMIT_MS = 100000;

const harness = new Harness(requirePlaywright(path.join(__dirname, '..', 'relay', 'dashboard')));
const check = (name, ok, detail) => harness.check(name, ok, detail);

function makePki(dir) {
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(__dirname)}); from pki import Pki
p = Pki(${JSON.stringify(dir)}); p.ca("ca"); p.issue("server", "ca")`;
  execFileSync('/usr/bin/python3', ['-c', script]);
  const pem = fs.readFileSync(path.join(dir, 'server.pem'));
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { ca: fs.readFileSync(path.join(dir, 'ca.pem')), spkiHash: crypto.createHash('sha256').update(spki).digest('base64') };
}

async function startRelay(binary, dir, port) {
  const config = path.join(dir, 'sluice.toml');
  fs.writeFileSync(config, '[server]\ntls_cert = "server.pem"\ntls_key = "server.key"\ncompression = "shared"\n\n' +
    '[[topic]]\nmatch = "deflate-check"\npublish = ["http", "clients"]\n');
  const relay = spawn(binary, ['--config', config, '--listen', `127.0.0.1:${port}`, '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  relay.stdout.on('data', (d) => { log += d; });
  relay.stderr.on('data', (d) => { log += d; });
  harness.defer(() => { if (relay.exitCode === null) relay.kill('SIGTERM'); });
  const deadline = Date.now() + 20000;
  while (!log.includes('sluice relay listening on wss://')) {
    if (relay.exitCode !== null) throw new Error(`the relay exited with ${relay.exitCode}: ${log}`);
    if (Date.now() > deadline) throw new Error(`the relay did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { relay, log: () => log };
}

function publish(port, ca, topic, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: `/topics/${topic}`, method: 'POST', ca,
      headers: { 'Content-Type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const binary = process.argv[2];
  const dir = harness.tempDir('sluice-tls-browser-');
  const pki = makePki(dir);
  const port = await freePort();
  await startRelay(binary, dir, port);
  const origin = `https://127.0.0.1:${port}`;

  const context = await harness.browser({ args: [...harness.chromiumArgs, `--ignore-certificate-errors-spki-list=${pki.spkiHash}`] });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const sockets = []; // every WebSocket the page opens, with the frames it received
  page.on('websocket', (ws) => {
    const entry = { url: ws.url(), frames: 0 };
    sockets.push(entry);
    ws.on('framereceived', () => { entry.frames++; });
  });

  const response = await page.goto(`${origin}/`, { waitUntil: 'load' });
  check('the dashboard loads over https', response && response.status() === 200, response && response.status());
  const secure = await page.evaluate(() => window.isSecureContext && location.protocol);
  check('the page is a secure context', secure === 'https:', secure);

  // A subscription of the page's own over wss://, then a publish over https.
  await page.evaluate((url) => new Promise((resolve, reject) => {
    window.received = [];
    const ws = new WebSocket(url);
    ws.onmessage = (e) => window.received.push(e.data);
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('the wss:// subscription failed'));
  }), `wss://127.0.0.1:${port}/topics/tls-check`);
  check('a wss:// subscription opens', true);
  const status = await publish(port, pki.ca, 'tls-check', 'over TLS to the browser');
  check('a publish over https is accepted', status === 200, status);
  await page.waitForFunction(() => window.received.length > 0, null, { timeout: 10000 });
  const received = await page.evaluate(() => window.received);
  check('the page receives the message', received[0] === 'over TLS to the browser', received);

  // permessage-deflate both ways: the page publishes on its own subscription and gets it back.
  const text = Array.from({ length: 60 }, (_, i) => `{"sensor":"line-${i % 7}","value":${20 + i % 9}.5},`).join('');
  const deflated = await page.evaluate(([url, sent]) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error('no echo of the published message')), 10000);
    ws.onopen = () => ws.send(sent);
    ws.onmessage = (e) => { clearTimeout(timer); resolve({ extensions: ws.extensions, data: e.data }); ws.close(); };
    ws.onerror = () => reject(new Error('the deflate-check subscription failed'));
  }), [`wss://127.0.0.1:${port}/topics/deflate-check`, text]);
  check('Chromium and the relay agree on permessage-deflate', deflated.extensions.startsWith('permessage-deflate'),
    deflated.extensions);
  check('a message the page publishes comes back intact through both compressions', deflated.data === text,
    deflated.data.length);

  // The dashboard's own stats feed comes over wss:// too (the relay publishes it every second).
  const deadline = Date.now() + 10000;
  const feed = () => sockets.find((w) => !w.url.includes('/topics/tls-check') && w.frames > 0);
  while (!feed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  check('the dashboard\'s feed arrives over wss://', feed() && feed().url.startsWith('wss://'), sockets);
  check('no errors in the page', errors.length === 0, errors);
}

harness.run(main, { timeLimitMs: TIME_LIMIT_MS, needPass: true });
