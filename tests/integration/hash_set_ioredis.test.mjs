// Hashes and sets through npm's ioredis against the real ferrite binary (node --test).
// Run by ctest as integration_node_hash_set (run_node_test.sh ../hash_set_ioredis.test.mjs).
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
  if (server.proc) assert.equal(await server.stop(), 0);
});

test('hash commands and hgetall as an object', async () => {
  await client.flushall();
  assert.equal(await client.hset('h', { a: '1', b: '2' }), 2);
  assert.equal(await client.hset('h', 'c', '3', 'a', '10'), 1);
  assert.deepEqual(await client.hgetall('h'), { a: '10', b: '2', c: '3' });
  assert.deepEqual(await client.hgetall('missing'), {});
  assert.deepEqual(await client.hmget('h', 'a', 'zz'), ['10', null]);
  assert.equal(await client.hincrby('h', 'n', 7), 7);
  assert.equal(await client.hincrbyfloat('h', 'n', '0.5'), '7.5');
  assert.equal(await client.hdel('h', 'a', 'b', 'zz'), 2);
  assert.deepEqual((await client.hkeys('h')).sort(), ['c', 'n']);
  const pairs = await client.hrandfield('h', -4, 'WITHVALUES');
  assert.equal(pairs.length, 8);
  await client.set('s', 'x');
  await assert.rejects(client.hget('s', 'a'), /^ReplyError: WRONGTYPE/);
});

test('hscanStream visits every field', async () => {
  await client.flushall();
  const fields = {};
  for (let i = 0; i < 500; i++) fields[`f${i}`] = String(i);
  await client.hset('big', fields);
  const seen = {};
  await new Promise((resolve, reject) => {
    const stream = client.hscanStream('big', { count: 37 });
    stream.on('data', (chunk) => {
      for (let i = 0; i < chunk.length; i += 2) seen[chunk[i]] = chunk[i + 1];
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  assert.deepEqual(seen, fields);
});

test('set commands, algebra and pipelines', async () => {
  await client.flushall();
  const p = client.pipeline();
  for (let i = 0; i < 1000; i++) p.sadd('a', String(i));
  p.sadd('b', '1', '2', 'x');
  p.scard('a');
  const results = await p.exec();
  assert.deepEqual(results[1000], [null, 3]);
  assert.deepEqual(results[1001], [null, 1000]);
  assert.deepEqual((await client.sinter('a', 'b')).sort(), ['1', '2']);
  assert.equal((await client.sunion('a', 'b')).length, 1001);
  assert.deepEqual(await client.sdiff('b', 'a'), ['x']);
  assert.equal(await client.sintercard(2, 'a', 'b', 'LIMIT', 1), 1);
  assert.equal(await client.sunionstore('u', 'a', 'b'), 1001);
  assert.equal(await client.smove('b', 'c', 'x'), 1);
  assert.deepEqual(await client.smembers('c'), ['x']);
  assert.deepEqual(await client.smismember('a', '5', 'nope'), [1, 0]);
  const popped = await client.spop('a', 10);
  assert.equal(popped.length, 10);
  assert.equal(await client.scard('a'), 990);
  const members = new Set();
  await new Promise((resolve, reject) => {
    const stream = client.sscanStream('a', { count: 50 });
    stream.on('data', (chunk) => chunk.forEach((m) => members.add(m)));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  assert.equal(members.size, 990);
  for (const m of popped) assert.ok(!members.has(m));
});
