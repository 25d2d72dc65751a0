// Interop (Node ws): a message over --max-message-size closes that connection with 1009; the
// server's other connections keep echoing.
// Usage: node oversized_message.js PATH_TO_SLUICE_ECHO
'use strict';
const { assert, connect, run, startServer } = require('./harness');

const LIMIT = 1000;

async function expect1009(c, what) {
  const { code } = await c.waitClosed();
  assert(c.messages.length === 0, `${what}: got ${c.messages.length} messages before the close`);
  assert(code === 1009, `${what}: close code ${code}, expected 1009`);
}

async function messageOverTheLimitClosesWith1009AndOthersKeepEchoing() {
  const server = await startServer(['--max-message-size', String(LIMIT)]);
  const bystander = await connect(server.url);
  let c = await connect(server.url);
  await c.send(Buffer.alloc(LIMIT, 'a')); // exactly at the limit is allowed
  assert((await c.next()).data.equals(Buffer.alloc(LIMIT, 'a')), 'message of exactly the limit not echoed');
  c.ws.send(Buffer.alloc(2 * LIMIT, 'x'));
  await expect1009(c, `a ${2 * LIMIT}-byte binary message`);
  c = await connect(server.url);
  c.ws.send('é'.repeat(LIMIT));
  await expect1009(c, `a ${2 * LIMIT}-byte text message`);
  for (let i = 0; i < 3; i++) {
    await bystander.send(`still here ${i}`);
    assert((await bystander.next()).data.toString() === `still here ${i}`, "bystander's echo differs");
  }
  await bystander.closeWith(1000);
}

async function fragmentsOverTheLimitTogetherCloseWith1009() {
  const server = await startServer(['--max-message-size', String(LIMIT)]);
  const bystander = await connect(server.url);
  const c = await connect(server.url);
  c.ws.send(Buffer.alloc(700, 'y'), { fin: false });
  c.ws.send(Buffer.alloc(700, 'y'), { fin: false });
  c.ws.send(Buffer.alloc(700, 'y'), { fin: true });
  await expect1009(c, 'three 700-byte fragments');
  await bystander.send(Buffer.from('still here'));
  assert((await bystander.next()).data.toString() === 'still here', "bystander's echo differs");
  await bystander.closeWith(1000);
}

run([messageOverTheLimitClosesWith1009AndOthersKeepEchoing, fragmentsOverTheLimitTogetherCloseWith1009]);
