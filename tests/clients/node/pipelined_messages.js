// Interop (Node ws): messages sent without waiting all come back, in order, with their type.
// Usage: node pipelined_messages.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

const COUNT = 10000;

async function tenThousandSmallMessagesComeBackInOrder() {
  const server = await startServer();
  const c = await connect(server.url);
  const nth = (i) => (i % 2 === 0 ? `m${i} é` : Buffer.from(`b${i}`));
  for (let i = 0; i < COUNT; i++) c.ws.send(nth(i)); // no await: all queued before any echo is read
  for (let i = 0; i < COUNT; i++) {
    const m = await c.next(10000, `echo #${i} of ${COUNT}`);
    const want = nth(i);
    assert(m.isBinary === Buffer.isBuffer(want), `echo #${i} came back as ${m.isBinary ? 'binary' : 'text'}`);
    assert(m.data.toString() === want.toString(), `echo #${i}: expected ${want}, got ${m.data}`);
  }
  await c.closeWith(1000);
}

async function pipelinedMessagesAcrossLengthEncodingsComeBackInOrder() {
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 65537, 300000];
  const messages = Array.from({ length: sizes.length * 20 }, (_, i) => Buffer.alloc(sizes[i % sizes.length], i & 0xff));
  const server = await startServer();
  const c = await connect(server.url);
  for (const m of messages) c.ws.send(m);
  for (let i = 0; i < messages.length; i++) {
    const m = await c.next(10000, `echo #${i} of ${messages.length}`);
    assert(m.isBinary && m.data.equals(messages[i]),
      `echo #${i}: expected ${messages[i].length} bytes of ${i & 0xff}, got ${m.data.length} (binary: ${m.isBinary})`);
  }
  await c.closeWith(1000);
}

run([tenThousandSmallMessagesComeBackInOrder, pipelinedMessagesAcrossLengthEncodingsComeBackInOrder]);
