// The dashboard in headless Chromium (Debian's, driven by playwright-core): charts and tables
// show non-zero figures that change, the console subscribes and publishes, the page reconnects
// after a restart and logs no error. Screenshots at laptop and phone size go to --out.
//
// It runs against fake_relay.py serving the embedded assets; against a real relay it starts
// (--relay: `sluice --demo` with a subscriber that never reads, so that drops, queues and the
// slowest-connections table have something to show), whose resident memory it reports with
// the dashboard open; or against a running relay (--url).
//
// Usage: node dashboard_test.js --dump PATH/sluice-relay-dashboard-dump --out DIR
//        node dashboard_test.js --relay PATH/sluice --out DIR
//        node dashboard_test.js --url http://127.0.0.1:8080/ --out DIR [--topic NAME]
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { Harness, requirePlaywright, option, sleep } = require('../browser_harness');

const TIME_LIMIT_MS = 100000;

const harness = new Harness(requirePlaywright(__dirname));
const check = (name, ok, detail) => harness.check(name, ok, detail);
const outDir = path.resolve(option('out', '.'));
const topic = option('topic', 'sensors/radio');

// Starts fake_relay.py on a free port over a fresh dump of the embedded assets.
async function startFakeRelay(dumpTool) {
  const dir = harness.tempDir('sluice-dashboard-assets-');
  execFileSync(dumpTool, [dir]);
  const child = spawn('/usr/bin/python3', ['-B', path.join(__dirname, 'fake_relay.py'), '--assets', dir,
    '--lifetime', String(TIME_LIMIT_MS / 1000 + 10)], { stdio: ['ignore', 'pipe', 'inherit'] });
  harness.defer(() => { if (child.exitCode === null) child.kill('SIGTERM'); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error('fake relay exited with ' + code)));
  });
}

// The real relay, on a free port, with the demo source and a topic whose slow subscribers lose
// the newest messages.
const RELAY_CONFIG = `[server]
listen = "127.0.0.1:0"
max_buffered_bytes = "64KiB"
low_watermark = "16KiB"
send_buffer_bytes = "8KiB"
write_timeout = "0"

[[topic]]
match = "demo"
policy = "drop_newest"
metrics = true
`;

async function startRealRelay(binary) {
  const dir = harness.tempDir('sluice-dashboard-relay-');
  const config = path.join(dir, 'sluice.toml');
  fs.writeFileSync(config, RELAY_CONFIG);
  const child = spawn(binary, ['--demo', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  harness.defer(() => { if (child.exitCode === null) child.kill('SIGTERM'); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/sluice relay listening on ws:\/\/\S+ and (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error('the relay exited with ' + code + ': ' + out)));
  });
}

// A raw WebSocket subscriber: `reading` ones take and discard everything; the others complete
// the handshake and never read again, so their queue fills and the topic's policy drops what
// does not fit.
function rawSubscriber(url, topic, reading) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname, () => {
    socket.write('GET /topics/' + topic + ' HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n' +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    if (reading) socket.resume(); else socket.pause();
  });
  socket.on('error', () => {});
  harness.defer(() => socket.destroy());
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    }).on('error', reject);
  });
}

async function waitForStats(url, predicate, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await getJson(new URL('stats', url).href);
    if (predicate(stats)) return stats;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(250);
  }
}

function post(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end();
  });
}

async function openDashboard(url, contextOptions, errors) {
  const context = await harness.browser(contextOptions);
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push('console: ' + msg.text()); });
  page.on('pageerror', (err) => errors.push('page: ' + err.message));
  page.on('requestfailed', (req) => errors.push('request failed: ' + req.url()));
  page.on('response', (res) => { if (res.status() >= 400) errors.push(res.status() + ' ' + res.url()); });
  await page.goto(url);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 15000 });
  // Rates need two snapshots.
  await page.waitForFunction(() => document.querySelector('#chart-messages output').textContent !== '',
    null, { timeout: 15000 });
  return { context, page };
}

// What the page shows now: chart readouts and pixels, and the tables' text.
function readPage(page) {
  return page.evaluate(() => {
    const charts = {};
    for (const figure of document.querySelectorAll('figure.chart')) {
      const canvas = figure.querySelector('canvas');
      charts[figure.id] = { readout: figure.querySelector('output').textContent, pixels: canvas ? canvas.toDataURL() : '' };
    }
    const tables = {};
    for (const table of document.querySelectorAll('table')) {
      tables[table.id] = Array.from(table.tBodies[0].rows, (r) => Array.from(r.cells, (c) => c.textContent));
    }
    return { charts, tables, status: document.getElementById('status').dataset.state };
  });
}

const hasNonZero = (text) => /[1-9]/.test(text);

// `steadyRates`: a real relay's demo source publishes at a fixed rate, so its rate readouts
// may well read the same a few seconds apart; the plots still move.
async function checkLiveFigures(page, steadyRates) {
  const before = await readPage(page);
  await sleep(3000);
  let after = await readPage(page);
  // A busy machine may deliver fewer snapshots than seconds passed: the rate readouts get up to
  // ten more seconds to move (two snapshots can give the same rate by chance, too).
  const rateIds = steadyRates ? [] : ['chart-messages', 'chart-bytes'];
  const moved = (state) => rateIds.every((id) => before.charts[id].readout !== state.charts[id].readout);
  for (let i = 0; i < 20 && !moved(after); i++) {
    await sleep(500);
    after = await readPage(page);
  }
  for (const id of Object.keys(before.charts)) {
    check(id + ' shows a non-zero value', hasNonZero(after.charts[id].readout), after.charts[id].readout);
    check(id + ' redraws as snapshots arrive', before.charts[id].pixels !== after.charts[id].pixels);
  }
  for (const id of rateIds) {
    check(id + ' readout changes', before.charts[id].readout !== after.charts[id].readout, after.charts[id].readout);
  }
  for (const id of ['topics', 'sources', 'slowest']) {
    const rows = after.tables[id];
    check(id + ' table has rows', rows.length > 0 && rows[0][0] !== 'none', rows);
    check(id + ' table has non-zero figures', rows.some((r) => r.slice(1).some(hasNonZero)), rows);
    check(id + ' table changes', JSON.stringify(before.tables[id]) !== JSON.stringify(rows));
  }
}

async function checkConsole(page) {
  await page.fill('#topic', topic);
  await page.click('#subscribe');
  await page.waitForFunction((t) => document.getElementById('subscription').textContent === 'subscribed to ' + t,
    topic, { timeout: 10000 });
  check('console subscribes', true);
  const text = 'hello from the dashboard test ' + Date.now();
  await page.fill('#payload', text);
  await page.click('#publish');
  const result = await page.waitForFunction(() => {
    const el = document.getElementById('publish-result');
    return el.dataset.state ? el.textContent : null;
  }, null, { timeout: 10000 }).then((h) => h.jsonValue());
  check('console publishes', /^published as #\d+ to [1-9]\d* subscribers?$/.test(result), result);
  const shown = await page.waitForFunction((t) => Array.from(document.querySelectorAll('#messages li'))
    .some((li) => li.textContent.includes(t)), text, { timeout: 10000 }).then(() => true, () => false);
  check('console shows the published message', shown);
  const lines = await page.$$eval('#messages li', (items) => items.length);
  check('console keeps at most 50 lines', lines > 0 && lines <= 50, lines);
}

async function checkReconnect(page, url) {
  await post(new URL('_fake/restart', url).href);
  const down = await page.waitForSelector('#status[data-state="down"]', { timeout: 10000 }).then(() => true, () => false);
  check('status shows the lost connection', down);
  const back = await page.waitForSelector('#status[data-state="live"]', { timeout: 20000 }).then(() => true, () => false);
  check('reconnects after a restart', back);
  const rates = await page.waitForFunction(() => document.querySelector('#chart-messages output').textContent !== '',
    null, { timeout: 15000 }).then(() => true, () => false);
  check('rates resume after a restart', rates);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const given = option('url');
  const relayBinary = option('relay');
  let url = given;
  let rssBefore = null;
  if (relayBinary) {
    url = await startRealRelay(relayBinary);
    rawSubscriber(url, 'demo', true);
    rawSubscriber(url, 'demo', false);
    const stats = await waitForStats(url, (s) => s.dropped.drop_newest > 0, 'the stalled subscriber to lose messages', 30000);
    rssBefore = stats.memory.rss_bytes;
  } else if (!url) {
    url = await startFakeRelay(option('dump'));
  }
  console.log('dashboard at ' + url);

  const errors = [];
  const laptop = await openDashboard(url, { viewport: { width: 1440, height: 900 } }, errors);
  await checkLiveFigures(laptop.page, Boolean(relayBinary || given));
  await checkConsole(laptop.page);
  if (relayBinary) {
    const stats = await getJson(new URL('stats', url).href);
    console.log('relay RSS: ' + rssBefore + ' bytes before the dashboard opened, ' + stats.memory.rss_bytes +
      ' with it open (' + stats.connections.open + ' connections)');
  }
  // The browser logs a failed WebSocket handshake (503 while "restarting") as an error of its
  // own: those lines are the expected part of this check, not a fault of the page.
  const beforeRestart = errors.length;
  if (!given && !relayBinary) await checkReconnect(laptop.page, url);
  const restartNoise = errors.splice(beforeRestart).filter((e) => !/stats\/ws/.test(e));
  errors.push(...restartNoise);
  await laptop.page.screenshot({ path: path.join(outDir, 'dashboard-laptop.png'), fullPage: true });
  await laptop.context.close();

  const phone = await openDashboard(url, {
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  }, errors);
  await sleep(1500);
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('phone layout does not scroll sideways', overflow <= 1, overflow);
  await phone.page.screenshot({ path: path.join(outDir, 'dashboard-phone.png'), fullPage: true });
  await phone.context.close();

  check('no console errors', errors.length === 0, errors);
  console.log('screenshots in ' + outDir);
}

harness.run(main, { timeLimitMs: TIME_LIMIT_MS });
