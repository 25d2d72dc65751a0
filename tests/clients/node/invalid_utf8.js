// Interop (Node ws): a text message that is not UTF-8 closes with 1007 (RFC 6455 §8.1). ws sends a
// Buffer given with { binary: false } as a text frame without checking it.
// Usage: node invalid_utf8.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

const INVALID = {
  'a lone continuation byte': [0x6f, 0x6b, 0x20, 0x80],
  'the byte 0xff': [0x6f, 0x6b, 0x20, 0xff],
  "an overlong '/'": [0xc0, 0xaf],
  'a surrogate': [0xed, 0xa0, 0x80],
  'a code point above U+10FFFF': [0xf4, 0x90, 0x80, 0x80],
  'a character cut at the end': [0x65, 0x75, 0x72, 0x6f, 0x20, 0xe2, 0x82],
};

async function expect1007(url, sendFrames, what) {
  const c = await connect(url);
  sendFrames(c.ws);
  const { code } = await c.waitClosed();
  assert(c.messages.length === 0, `${what}: echoed instead of closing`);
  assert(code === 1007, `${what}: close code ${code}, expected 1007`);
}

async function invalidTextInOneFrameClosesWith1007() {
  const server = await startServer();
  for (const [what, bytes] of Object.entries(INVALID)) {
    await expect1007(server.url, (ws) => ws.send(Buffer.from(bytes), { binary: false }), what);
  }
}

async function invalidTextSplitAcrossFragmentsClosesWith1007() {
  const server = await startServer();
  await expect1007(server.url, (ws) => {
    ws.send(Buffer.from('ok \xce', 'latin1'), { binary: false, fin: false });
    ws.send(Buffer.from('('), { binary: false, fin: true });
  }, "0xce then '(' across fragments");
  await expect1007(server.url, (ws) => ws.send(Buffer.from([0xff]), { binary: false, fin: false }),
    'an invalid first fragment');
}

async function invalidBytesInABinaryMessageAreFineAndOthersKeepEchoing() {
  const server = await startServer();
  const bystander = await connect(server.url);
  await expect1007(server.url, (ws) => ws.send(Buffer.from([0xff]), { binary: false }), 'the byte 0xff');
  for (const bytes of Object.values(INVALID)) {
    await bystander.send(Buffer.from(bytes));
    const m = await bystander.next();
    assert(m.isBinary && m.data.equals(Buffer.from(bytes)), `binary ${bytes} not echoed`);
  }
  await bystander.closeWith(1000);
}

run([invalidTextInOneFrameClosesWith1007, invalidTextSplitAcrossFragmentsClosesWith1007,
  invalidBytesInABinaryMessageAreFineAndOthersKeepEchoing]);
