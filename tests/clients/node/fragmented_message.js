// Interop (Node ws): fragments sent with { fin: false } are reassembled into one echo.
// Usage: node fragmented_message.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

async function textFragmentsComeBackAsOneText() {
  const server = await startServer();
  const c = await connect(server.url);
  c.ws.send('frag', { fin: false });
  c.ws.send('men', { fin: false });
  c.ws.send('ted ', { fin: false });
  c.ws.send('é€😀', { fin: true });
  const m = await c.next(undefined, 'reassembled text');
  assert(!m.isBinary, 'reassembled text came back as binary');
  assert(m.data.toString() === 'fragmented é€😀', `reassembled text is ${JSON.stringify(m.data.toString())}`);
  await c.closeWith(1000);
}

async function binaryFragmentsComeBackAsOneBinary() {
  const server = await startServer();
  const c = await connect(server.url);
  const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(100000, i));
  for (const chunk of chunks) c.ws.send(chunk, { binary: true, fin: false });
  c.ws.send(Buffer.alloc(0), { binary: true, fin: true });
  const m = await c.next(undefined, 'reassembled binary');
  assert(m.isBinary, 'reassembled binary came back as text');
  assert(m.data.equals(Buffer.concat(chunks)), `reassembled binary has ${m.data.length} bytes, differs`);
  await c.send('and then a whole one');
  assert((await c.next()).data.toString() === 'and then a whole one', 'echo after fragments differs');
  await c.closeWith(1000);
}

async function characterSplitAcrossFragmentsIsValidText() {
  const server = await startServer();
  const c = await connect(server.url);
  // "café €": é (c3 a9) and € (e2 82 ac) cut between frames; ws sends Buffers as text unchecked.
  c.ws.send(Buffer.from([0x63, 0x61, 0x66, 0xc3]), { binary: false, fin: false });
  c.ws.send(Buffer.from([0xa9, 0x20, 0xe2, 0x82]), { binary: false, fin: false });
  c.ws.send(Buffer.from([0xac]), { binary: false, fin: true });
  const m = await c.next(undefined, 'split-character text');
  assert(!m.isBinary, 'split-character text came back as binary');
  assert(m.data.toString() === 'café €', `split-character text came back as ${m.data.toString('hex')}`);
  await c.closeWith(1000);
}

async function pingBetweenFragmentsGetsAPongAndTheMessageIsWhole() {
  const server = await startServer();
  const c = await connect(server.url);
  c.ws.send('fir', { fin: false });
  c.ws.ping('ping!');
  c.ws.send('st', { fin: true });
  assert((await c.nextPong()).toString() === 'ping!', 'pong payload differs');
  const m = await c.next();
  assert(!m.isBinary && m.data.toString() === 'first', `echo is ${m.data} (binary: ${m.isBinary})`);
  await c.closeWith(1000);
}

run([textFragmentsComeBackAsOneText, binaryFragmentsComeBackAsOneBinary, characterSplitAcrossFragmentsIsValidText,
  pingBetweenFragmentsGetsAPongAndTheMessageIsWhole]);
