// Sorted sets through npm's ioredis against the real ferrite binary (node --test). Started by
// run_node_test.sh from tests/integration/node, hence the relative paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Ferrite } from './node/server.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis').default ?? require('ioredis');

let server;
let client;

before(async () => {
  server = await new Ferrite().start();
  client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
  await client.connect();
});

after(async () => {
  client.disconnect();
  assert.equal(await server.stop(), 0);
});

test('zadd / zrange with scores', async () => {
  await client.flushall();
  assert.equal(await client.zadd('z', 1, 'a', 2.5, 'b', -1, 'c'), 3);
  assert.deepEqual(await client.zrange('z', 0, -1, 'WITHSCORES'),
    ['c', '-1', 'a', '1', 'b', '2.5']);
  assert.deepEqual(await client.zrange('z', '(1', '+inf', 'BYSCORE'), ['b']);
  assert.equal(await client.zincrby('z', 1.1, 'a'), '2.1000000000000001');
  assert.equal(await client.zscore('z', 'missing'), null);
  assert.deepEqual(await client.zpopmax('z'), ['b', '2.5']);
  assert.deepEqual(await client.zmpop(1, 'z', 'MIN', 'COUNT', 5), ['z', [['c', '-1'], ['a', '2.1000000000000001']]]);
  assert.equal(await client.exists('z'), 0);
});

test('pipelined zadd and blocking pop', async () => {
  await client.flushall();
  const p = client.pipeline();
  for (let i = 0; i < 1000; i++) p.zadd('big', i, `m${i}`);
  p.zcard('big');
  const results = await p.exec();
  assert.deepEqual(results[1000], [null, 1000]);
  assert.equal(await client.object('ENCODING', 'missing'), null);
  const waiter = client.duplicate();
  const pending = waiter.bzpopmax('empty', 5);
  await new Promise((r) => setTimeout(r, 100));
  await client.zadd('empty', 7, 'x');
  assert.deepEqual(await pending, ['empty', 'x', '7']);
  waiter.disconnect();
});
