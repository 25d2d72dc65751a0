// Interop (Node ws): messages keep their type, and every length encoding round-trips.
// Usage: node echo_types_and_sizes.js PATH_TO_SLUICE_ECHO
'use strict';
const { BIG_WAIT_MS, assert, connect, run, startServer, textOfSize } = require('./harness');

const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20, 16 << 20]; // 16 MiB is sluice-echo's cap

async function textComesBackAsTextAndBinaryAsBinary() {
  const server = await startServer();
  const c = await connect(server.url);
  for (const text of ['hello', 'héllo, wörld', '€ 中文 😀 \u0000 \u{10ffff}', '']) {
    await c.send(text);
    const m = await c.next();
    assert(!m.isBinary, `text ${JSON.stringify(text)} came back as binary`);
    assert(m.data.toString() === text, `text ${JSON.stringify(text)} came back as ${JSON.stringify(m.data.toString())}`);
  }
  for (const data of [Buffer.from([...Array(256).keys()]), Buffer.from([0xff, 0xfe, 0]), Buffer.from('héllo'), Buffer.alloc(0)]) {
    await c.send(data);
    const m = await c.next();
    assert(m.isBinary, `binary ${data.toString('hex').slice(0, 40)} came back as text`);
    assert(m.data.equals(data), `binary ${data.toString('hex').slice(0, 40)} came back as ${m.data.toString('hex').slice(0, 40)}`);
  }
  await c.closeWith(1000);
}

async function textOfEveryLengthEncodingRoundTrips() {
  const server = await startServer();
  const c = await connect(server.url);
  for (const size of SIZES) {
    const text = textOfSize(size);
    await c.send(text);
    const m = await c.next(BIG_WAIT_MS, `echo of ${size}-byte text`);
    assert(!m.isBinary, `${size}-byte text came back as binary`);
    assert(m.data.length === size, `${size}-byte text came back with ${m.data.length} bytes`);
    assert(m.data.toString() === text, `${size}-byte text came back altered`);
  }
  await c.closeWith(1000);
}

async function binaryOfEveryLengthEncodingRoundTrips() {
  const server = await startServer();
  const c = await connect(server.url);
  for (const size of SIZES) {
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7 + size) & 0xff;
    await c.send(data);
    const m = await c.next(BIG_WAIT_MS, `echo of ${size}-byte binary`);
    assert(m.isBinary, `${size}-byte binary came back as text`);
    assert(m.data.length === size, `${size}-byte binary came back with ${m.data.length} bytes`);
    assert(m.data.equals(data), `${size}-byte binary came back altered`);
  }
  await c.closeWith(1000);
}

run([textComesBackAsTextAndBinaryAsBinary, textOfEveryLengthEncodingRoundTrips, binaryOfEveryLengthEncodingRoundTrips]);
