// Harness for the Node `ws` interop tests: starts sluice-echo, runs checks, stops it by PID.
// run(checks) takes the sluice-echo path from argv[2], bounds the whole script with a hard
// timeout, prints "ok NAME" per check, and on a failure prints the servers' stderr and exits 1.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

let WebSocket;
try {
  WebSocket = require('ws');
} catch (e) {
  console.error(`FAIL: the ws package is missing (${e.code}): run \`npm ci\` in tests/clients/node ` +
    '(scripts/test runs `npm ci --prefix tests/clients/node` before ctest)');
  process.exit(1);
}

const HARD_TIMEOUT_MS = 60000; // the whole script; CTest's TIMEOUT is larger so this message wins
const WAIT_MS = 10000; // one receive, connect or close
const BIG_WAIT_MS = 30000; // one 16 MiB round trip

const servers = [];

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One sluice-echo on 127.0.0.1 and a free port; resolves once it prints its listening line (its
// url is wss:// when it was given --tls-cert).
function startServer(args = []) {
  const proc = spawn(process.argv[2], ['--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { proc, args, stderr: '', status: null, signal: null };
  servers.push(server);
  proc.stderr.on('data', (d) => { server.stderr += d; });
  server.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      server.status = code;
      server.signal = signal;
      resolve({ code, signal });
    });
  });
  const listening = new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      const m = out.match(/^sluice-echo listening on (wss?):\/\/127\.0\.0\.1:(\d+)\/\n/);
      if (!m) return reject(new Error(`sluice-echo printed ${JSON.stringify(out)}, not its listening line`));
      server.port = Number(m[2]);
      server.url = `${m[1]}://127.0.0.1:${server.port}/`;
      resolve(server);
    });
    server.exited.then(({ code, signal }) => reject(new Error(`sluice-echo exited before listening (${code ?? signal})`)));
    proc.on('error', reject);
  });
  return withTimeout(listening, WAIT_MS, 'listening line from sluice-echo');
}

// The exit of a signalled server: { code, signal }, or an error if it outlives timeoutMs.
function waitExit(server, timeoutMs) {
  return withTimeout(server.exited, timeoutMs, `exit of sluice-echo (pid ${server.proc.pid})`);
}

// SIGTERM by PID; sluice-echo must then exit with status 0.
async function stopServer(server) {
  if (server.status === null && server.signal === null) process.kill(server.proc.pid, 'SIGTERM');
  const { code, signal } = await waitExit(server, 10000);
  if (code !== 0) throw new Error(`sluice-echo exited with ${code ?? signal} after SIGTERM`);
}

function killServers() {
  for (const s of servers) {
    if (s.status === null && s.signal === null) {
      try { process.kill(s.proc.pid, 'SIGKILL'); } catch (e) { /* already gone */ }
    }
  }
}

// Everything a connection receives, kept from the moment it opens so nothing is missed between
// awaits: messages as { data: Buffer, isBinary }, pongs, and the close.
class Client {
  constructor(ws) {
    this.ws = ws;
    this.messages = [];
    this.pongs = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.close = { code, reason: reason.toString() };
        resolve(this.close);
        this.wake();
      });
    });
    this.errors = [];
    ws.on('error', (e) => { this.errors.push(e); this.wake(); });
    ws.on('message', (data, isBinary) => { this.messages.push({ data, isBinary }); this.wake(); });
    ws.on('pong', (data) => { this.pongs.push(data); this.wake(); });
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  changed() { return new Promise((resolve) => this.waiters.push(resolve)); }

  // The next message; an error if the connection closes first or nothing comes within ms.
  async next(ms = WAIT_MS, what = 'message') {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.messages.length) return this.messages.shift();
      if (this.close) throw new Error(`connection closed (${this.close.code} ${JSON.stringify(this.close.reason)}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms / 1000} s`);
      await withTimeout(this.changed(), left, what).catch(() => {});
    }
  }

  async nextPong(ms = WAIT_MS) {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.pongs.length) return this.pongs.shift();
      if (this.close) throw new Error(`connection closed (${this.close.code}) while waiting for a pong`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no pong within ${ms / 1000} s`);
      await withTimeout(this.changed(), left, 'pong').catch(() => {});
    }
  }

  waitClosed(ms = WAIT_MS) { return withTimeout(this.closed, ms, 'close of the connection'); }

  send(data, options = {}) {
    return new Promise((resolve, reject) => this.ws.send(data, options, (e) => (e ? reject(e) : resolve())));
  }

  async closeWith(code, reason, ms = WAIT_MS) {
    this.ws.close(code, reason);
    return this.waitClosed(ms);
  }
}

// An open Client, or an error (the handshake failed or took longer than WAIT_MS).
function connect(url, protocols, options = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { handshakeTimeout: WAIT_MS, ...options });
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  }), WAIT_MS + 1000, `handshake with ${url}`);
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs each async check in order; each starts its own servers, which are stopped after it.
async function run(checks) {
  if (process.argv.length !== 3) {
    console.error(`usage: node ${path.basename(process.argv[1])} PATH_TO_SLUICE_ECHO`);
    process.exit(2);
  }
  const fail = (name, e) => {
    console.error(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    killServers();
    for (const s of servers) {
      console.error(`--- sluice-echo ${s.args.join(' ')} (pid ${s.proc.pid}, status ${s.status ?? s.signal}) stderr:`);
      console.error(s.stderr || '(empty)');
    }
    process.exit(1);
  };
  let current = 'startup';
  setTimeout(() => fail(current, new Error(`${path.basename(process.argv[1])} did not finish within ${HARD_TIMEOUT_MS / 1000} s`)),
    HARD_TIMEOUT_MS); // not unref'd: a check stuck with nothing pending must fail, not exit 0
  process.on('exit', killServers);
  for (const check of checks) {
    current = check.name;
    try {
      await check();
      for (const s of servers) await stopServer(s);
    } catch (e) {
      fail(check.name, e);
    }
    servers.length = 0;
    console.log(`ok ${check.name}`);
  }
  console.log(`${checks.length} checks passed`);
  process.exit(0);
}

// A string whose UTF-8 encoding is exactly n bytes, with 1-, 2-, 3- and 4-byte characters.
function textOfSize(n) {
  const unit = 'aé€😀'; // 1 + 2 + 3 + 4 bytes
  const s = unit.repeat(Math.floor(n / 10));
  return s + 'a'.repeat(n - Buffer.byteLength(s));
}

module.exports = {
  WebSocket, BIG_WAIT_MS, WAIT_MS, assert, connect, run, startServer, stopServer, waitExit, withTimeout, textOfSize,
};
