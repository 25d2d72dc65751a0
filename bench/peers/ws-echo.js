// ws-echo.js: a WebSocket echo server on Node's `ws`, the version pinned by
// tests/clients/node/package-lock.json (run `npm ci` there first). Text comes back as text,
// binary as binary. Used by the benchmarks to compare with sluice-echo.
//
// Usage: node bench/peers/ws-echo.js --port P   (binds 127.0.0.1; P = 0 picks a free port)
'use strict';

const path = require('path');
const { createRequire } = require('module');

// Resolve `ws` from the folder that pins it, so that every test and benchmark uses one version.
const requireFromClients = createRequire(
  path.join(__dirname, '..', '..', 'tests', 'clients', 'node', 'package.json'));
const { WebSocketServer } = requireFromClients('ws');

function parsePort(argv) {
  const i = argv.indexOf('--port');
  const port = i >= 0 && i + 1 < argv.length ? Number(argv[i + 1]) : NaN;
  if (argv.length !== 2 || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: node ws-echo.js --port P\n');
    process.exit(2);
  }
  return port;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: parsePort(process.argv.slice(2)) });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});

wss.on('listening', () => {
  process.stdout.write(`ws-echo listening on ws://127.0.0.1:${wss.address().port}/\n`);
});

wss.on('error', (err) => {
  process.stderr.write(`ws-echo: ${err.message}\n`);
  process.exit(1);
});

process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
});
