// TLS interop (Node's `ws` over node:tls): sluice-echo --tls-cert/--tls-key, a test CA made by
// the `openssl` command (tests/tls/pki.py) in a temporary directory.
// Usage: node node_wss.js PATH_TO_SLUICE_ECHO
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const {
  BIG_WAIT_MS, WAIT_MS, assert, connect, run, startServer, textOfSize, withTimeout,
} = require('../clients/node/harness');

// The CA and a localhost/127.0.0.1 certificate, made by the same code as the Python checks use.
function makePki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(__dirname)}); from pki import Pki
p = Pki(${JSON.stringify(dir)}); p.ca("ca"); p.ca("other-ca"); p.issue("server", "ca")`;
  execFileSync('/usr/bin/python3', ['-c', script]);
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name) => path.join(dir, name);
  return { ca: fs.readFileSync(file('ca.pem')), otherCa: fs.readFileSync(file('other-ca.pem')),
    cert: file('server.pem'), key: file('server.key') };
}

const pki = makePki();
const tlsServer = () => startServer(['--tls-cert', pki.cert, '--tls-key', pki.key]);

async function echoesEveryTypeAndSizeOverTls() {
  const server = await tlsServer();
  assert(server.url.startsWith('wss://'), `sluice-echo listens on ${server.url}`);
  const c = await connect(server.url, undefined, { ca: pki.ca, servername: 'localhost' });
  const socket = c.ws._socket;
  assert(socket.getProtocol() === 'TLSv1.3', `negotiated ${socket.getProtocol()}`);
  assert(socket.alpnProtocol === false || socket.alpnProtocol === 'http/1.1', `ALPN ${socket.alpnProtocol}`);
  for (const size of [0, 125, 126, 65536, 1 << 20, 16 << 20]) {
    const text = textOfSize(size);
    await c.send(text);
    const m = await c.next(BIG_WAIT_MS, `echo of ${size}-byte text`);
    assert(!m.isBinary && m.data.toString() === text, `${size}-byte text came back altered`);
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 13 + size) & 0xff;
    await c.send(data);
    const b = await c.next(BIG_WAIT_MS, `echo of ${size}-byte binary`);
    assert(b.isBinary && b.data.equals(data), `${size}-byte binary came back altered`);
  }
  const closed = await c.closeWith(1000, 'done');
  assert(closed.code === 1000, `closed with ${closed.code}`);
}

async function tls12WithAlpnHttp11() {
  const server = await tlsServer();
  const c = await connect(server.url, undefined,
    { ca: pki.ca, servername: 'localhost', maxVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
  const socket = c.ws._socket;
  assert(socket.getProtocol() === 'TLSv1.2', `negotiated ${socket.getProtocol()}`);
  assert(socket.alpnProtocol === 'http/1.1', `ALPN ${socket.alpnProtocol}`);
  await c.send('over TLS 1.2');
  const m = await c.next();
  assert(m.data.toString() === 'over TLS 1.2', 'echo over TLS 1.2 differs');
  await c.closeWith(1000);
}

async function aClientTrustingAnotherCaIsRefused() {
  const server = await tlsServer();
  let error;
  try {
    await connect(server.url, undefined, { ca: pki.otherCa, servername: 'localhost' });
  } catch (e) {
    error = e;
  }
  assert(error && /self[- ]signed|unable to (get|verify)/i.test(error.message), `no verification error: ${error}`);
  // The server goes on: a client that trusts the right CA is served.
  const c = await connect(server.url, undefined, { ca: pki.ca, servername: 'localhost' });
  await c.closeWith(1000);
}

async function plainTlsSocketSeesTheUpgradeResponse() {
  const server = await tlsServer();
  const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: pki.ca, servername: 'localhost' });
  const head = await withTimeout(new Promise((resolve, reject) => {
    let got = '';
    socket.on('error', reject);
    socket.on('secureConnect', () => socket.write(
      `GET / HTTP/1.1\r\nHost: localhost:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\r\n\r\n')) resolve(got);
    });
  }), WAIT_MS, 'upgrade response over TLS');
  assert(head.startsWith('HTTP/1.1 101 '), `response: ${JSON.stringify(head.slice(0, 100))}`);
  assert(head.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), 'wrong Sec-WebSocket-Accept');
  socket.destroy();
}

run([echoesEveryTypeAndSizeOverTls, tls12WithAlpnHttp11, aClientTrustingAnotherCaIsRefused,
  plainTlsSocketSeesTheUpgradeResponse]);
