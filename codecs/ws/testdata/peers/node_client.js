// A node `ws` client that checks an echo server like py_client.py.
// Usage: NODE_PATH=/usr/share/nodejs node node_client.js URL [deflate|plain]
const WebSocket = require('ws');
const url = process.argv[2], mode = process.argv[3] || 'plain';
const ws = new WebSocket(url, { perMessageDeflate: mode === 'deflate' });
const sizes = [0, 125, 126, 127, 65535, 65536];
const expect = [];
for (const n of sizes) {
  expect.push({ s: 'x'.repeat(n), binary: false });
  expect.push({ s: Buffer.alloc(n, 7), binary: true });
}
let i = 0;
function fail(msg) { console.log('FAIL ' + msg); process.exit(1); }
ws.on('open', () => {
  for (const e of expect) ws.send(e.s, { binary: e.binary });
});
ws.on('message', (data, isBinary) => {
  const e = expect[i++];
  if (isBinary !== e.binary) fail(`message ${i}: binary=${isBinary}`);
  const want = e.binary ? e.s : Buffer.from(e.s);
  if (!Buffer.from(data).equals(want)) fail(`message ${i}: ${data.length} bytes`);
  if (i === expect.length) ws.ping(Buffer.from('hi'));
});
ws.on('pong', (data) => {
  if (data.toString() !== 'hi') fail('pong ' + data);
  ws.close(4000, 'node done');
});
ws.on('close', (code) => {
  if (i !== expect.length) fail(`closed ${code} after ${i} messages`);
  if (code !== 4000) fail('close code ' + code);
  console.log('OK ' + mode + ' ext=' + (ws.extensions || ''));
});
ws.on('error', (e) => fail(String(e)));
setTimeout(() => fail('timeout'), 10000).unref();
