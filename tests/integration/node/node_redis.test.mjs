// npm's redis (node-redis) against the real ferrite binary (node --test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Ferrite } from './server.mjs';

const require = createRequire(import.meta.url);
const { createClient, RESP_TYPES } = require('redis');

let server;
let client;

before(async () => {
  server = await new Ferrite().start();
  client = createClient({
    socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => 100 },
  });
  client.on('error', () => {});  // reconnection errors are expected in the restart test
  await client.connect();
});

after(async () => {
  await client.quit().catch(() => client.disconnect());
  if (server.proc) assert.equal(await server.stop(), 0);
});

test('basic string and key commands', async () => {
  await client.flushAll();
  assert.equal(await client.set('k', 'v'), 'OK');
  assert.equal(await client.get('k'), 'v');
  assert.equal(await client.get('missing'), null);
  assert.equal(await client.set('k', 'w', { NX: true }), null);
  assert.equal(await client.set('e', '1', { PX: 100000 }), 'OK');
  const pttl = await client.pTTL('e');
  assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);
  assert.equal(await client.incrBy('n', 5), 5);
  assert.equal(await client.incrByFloat('f', 1.5), '1.5');
  assert.equal(await client.append('k', 'x'), 2);
  assert.equal(await client.getRange('k', 0, 0), 'v');
  assert.equal(await client.type('k'), 'string');
  assert.equal(await client.dbSize(), 4);
  await assert.rejects(client.sendCommand(['GET']),
    /wrong number of arguments for 'get' command/);
});

test('pipeline (multi-command batch without MULTI) keeps order', async () => {
  await client.flushAll();
  const promises = [];
  for (let i = 0; i < 5000; i++) {
    promises.push(client.set(`p${i}`, String(i)));
    promises.push(client.incr('counter'));
  }
  const results = await Promise.all(promises);
  for (let i = 0; i < 5000; i++) {
    assert.equal(results[2 * i], 'OK');
    assert.equal(results[2 * i + 1], i + 1);
  }
  assert.equal(await client.get('p1234'), '1234');
});

test('binary Buffers round-trip', async () => {
  await client.flushAll();
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  assert.equal(await client.set(all, all), 'OK');
  const back = await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(all);
  assert.ok(Buffer.isBuffer(back), 'reply is a Buffer');
  assert.ok(back.equals(all));
});

test('reconnects after a server restart on the same port', async () => {
  await client.set('before', '1');
  const port = server.port;
  assert.equal(await server.stop(), 0);
  await server.start(port);
  let value;
  for (let i = 0; i < 100; i++) {
    try {
      value = await client.get('before');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal(value, null);
  assert.equal(await client.set('after', '2'), 'OK');
  assert.equal(await client.get('after'), '2');
});
