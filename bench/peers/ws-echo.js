// ws-echo.js: a WebSocket echo server on Node's `ws`, the version pinned by
// tests/clients/node/package-lock.json (run `npm ci` there first). Text comes back as text,
// binary as binary. Used by the benchmarks to compare with sluice-echo.
//
// Connections whose path is /broadcast instead form one room, as in sluice-echo: every message
// one of them sends goes to all of them, the sender included, the way ws's README broadcasts:
// iterate the clients and ws.send to each one that is open. ws frames the message for each
// client but sends the received buffer itself (no copy of the payload), and buffers what a
// client's socket does not take without limit: a reader that stalls holds back only itself,
// and what it has not read stays in memory until it reads it or goes away.
//
// Usage: node bench/peers/ws-echo.js --port P   (binds 127.0.0.1; P = 0 picks a free port)
//        ws://127.0.0.1:P/broadcast is the room; any other path echoes.
'use strict';

const path = require('path');
const { createRequire } = require('module');

// Resolve `ws` from the folder that pins it, so that every test and benchmark uses one version.
const requireFromClients = createRequire(
  path.join(__dirname, '..', '..', 'tests', 'clients', 'node', 'package.json'));
const { WebSocket, WebSocketServer } = requireFromClients('ws');

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

// The /broadcast room.
const room = new Set();

wss.on('connection', (ws, req) => {
  if (req.url.split('?')[0] === '/broadcast') {
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const client of room) {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      }
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
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
