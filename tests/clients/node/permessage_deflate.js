// Interop (Node ws): permessage-deflate (RFC 7692) with sluice-echo --compression. ws offers it
// when told to (perMessageDeflate with threshold 0 compresses every message it sends); each mode
// agrees, and messages of every kind come back whole in both directions, context takeover and
// all. A message that inflates past --max-message-size closes with 1009.
// Usage: node permessage_deflate.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

const deflate = { perMessageDeflate: { threshold: 0, clientMaxWindowBits: true } };
const messages = ['hello '.repeat(200), 'x', 'é'.repeat(5000), Buffer.alloc(6000, 7), 'same '.repeat(300),
  'same '.repeat(300), ''];

async function eachModeEchoesCompressedMessagesBothWays() {
  for (const mode of ['shared', 'dedicated']) {
    const server = await startServer(['--compression', mode]);
    const c = await connect(server.url, undefined, deflate);
    assert(/permessage-deflate/.test(c.ws.extensions), `${mode}: not agreed: ${JSON.stringify(c.ws.extensions)}`);
    for (const m of messages) {
      await c.send(m);
      const got = await c.next();
      const same = typeof m === 'string' ? !got.isBinary && got.data.toString() === m : got.isBinary && got.data.equals(m);
      assert(same, `${mode}: echo of a ${m.length}-long message differs`);
    }
    await c.closeWith(1000);
  }
}

async function aBombClosesWith1009() {
  const server = await startServer(['--compression', 'shared', '--max-message-size', '100000']);
  const c = await connect(server.url, undefined, deflate);
  await c.send(Buffer.alloc(5000000));
  const close = await c.waitClosed();
  assert(close.code === 1009, `close code ${close.code}, expected 1009`);
}

run([eachModeEchoesCompressedMessagesBothWays, aBombClosesWith1009]);
