// An independent WebSocket server for the sluice client tests (Node's `ws`).
// Usage: node node_server.mjs WS_DIR [PORT]. WS_DIR is the folder whose node_modules holds the
// pinned `ws`. Same paths and output as python_server.py: `listening PORT`, then one
// `close CODE REASON` line per connection that ended. permessage-deflate is accepted when offered
// and then compresses every message, however short (threshold 0).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(path.resolve(process.argv[2]), 'package.json'));
const { WebSocketServer } = require('ws');

const port = process.argv.length > 3 ? Number(process.argv[3]) : 0;
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  maxPayload: 64 * 1024 * 1024,
  perMessageDeflate: { threshold: 0 },
  handleProtocols: (protocols, req) => {
    if (req.url === '/bad-subprotocol') return 'not-offered';
    if (req.url === '/subprotocol' && protocols.has('chat.v2')) return 'chat.v2';
    return false;
  },
});

wss.on('listening', () => {
  process.stdout.write(`listening ${wss.address().port}\n`);
});

wss.on('connection', (ws, req) => {
  const url = req.url;
  ws.on('close', (code, reason) => {
    process.stdout.write(`close ${code} ${reason.toString()}\n`);
  });
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  if (url === '/headers') {
    const headers = {};
    for (const k of Object.keys(req.headers).sort()) headers[k] = req.headers[k];
    ws.send(JSON.stringify(headers));
  } else if (url === '/subprotocol') {
    ws.send(ws.protocol);
  } else if (url.startsWith('/close/')) {
    ws.close(Number(url.slice('/close/'.length)), 'server says bye');
  } else if (url === '/extensions') {
    ws.send(ws.extensions);
  } else if (url === '/ping') {
    ws.once('pong', (data) => ws.send(`pong ${data.toString()}`));
    ws.ping('probe');
  }
});

process.on('SIGTERM', () => process.exit(0));
