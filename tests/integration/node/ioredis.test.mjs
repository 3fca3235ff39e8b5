// npm's ioredis against the real ferrite binary (node --test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Ferrite } from './server.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis').default ?? require('ioredis');

let server;
let client;

before(async () => {
  server = await new Ferrite().start();
  client = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true,
    maxRetriesPerRequest: 20 });
  client.on('error', () => {});  // connection refused while the restart test restarts ferrite
  await client.connect();
});

after(async () => {
  client.disconnect();
  if (server.proc) assert.equal(await server.stop(), 0);
});

test('basic string and key commands', async () => {
  await client.flushall();
  assert.equal(await client.set('k', 'v'), 'OK');
  assert.equal(await client.get('k'), 'v');
  assert.equal(await client.get('missing'), null);
  assert.equal(await client.incrby('n', 10), 10);
  assert.equal(await client.set('k', 'w', 'EX', 100, 'GET'), 'v');
  const ttl = await client.ttl('k');
  assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
  assert.deepEqual(await client.mget('k', 'missing', 'n'), ['w', null, '10']);
  assert.equal(await client.exists('k', 'n', 'missing'), 2);
  assert.equal(await client.del('k', 'n'), 2);
  await assert.rejects(client.incr('nonint').then(() => client.set('s', 'x'))
    .then(() => client.incr('s')), /value is not an integer or out of range/);
});

test('pipeline keeps order', async () => {
  await client.flushall();
  const p = client.pipeline();
  for (let i = 0; i < 5000; i++) {
    p.set(`p${i}`, String(i));
    p.incr('counter');
  }
  p.get('p4999');
  const results = await p.exec();
  assert.equal(results.length, 10001);
  for (let i = 0; i < 5000; i++) {
    assert.deepEqual(results[2 * i], [null, 'OK']);
    assert.deepEqual(results[2 * i + 1], [null, i + 1]);
  }
  assert.deepEqual(results[10000], [null, '4999']);
});

test('multi() transactions: results, EXECABORT and WATCH', async () => {
  await client.flushall();
  const results = await client.multi().set('t', '1').incr('t').hset('th', 'f', 'v').lpush('tl', 'a')
    .exec();
  assert.deepEqual(results, [[null, 'OK'], [null, 2], [null, 1], [null, 1]]);
  // A command with the wrong arity is refused while queueing: EXEC answers EXECABORT.
  await assert.rejects(client.multi().set('t', '5').call('get').exec(), /EXECABORT/);
  assert.equal(await client.get('t'), '2');
  // WATCH broken by another connection's write: EXEC returns null and nothing is applied.
  const other = new Redis({ host: '127.0.0.1', port: server.port });
  try {
    await client.watch('t');
    await other.set('t', 'changed');
    assert.equal(await client.multi().set('t', 'mine').exec(), null);
    assert.equal(await client.get('t'), 'changed');
  } finally {
    other.disconnect();
  }
});

test('binary Buffers round-trip', async () => {
  await client.flushall();
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  assert.equal(await client.set(all, all), 'OK');
  assert.ok((await client.getBuffer(all)).equals(all));
  const big = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
  assert.equal(await client.set('big', big), 'OK');
  assert.ok((await client.getBuffer('big')).equals(big));
  assert.equal(await client.strlen('big'), big.length);
});

test('reconnects after a server restart on the same port', async () => {
  await client.set('before', '1');
  const port = server.port;
  assert.equal(await server.stop(), 0);
  await server.start(port);
  // The in-memory store starts empty; the client reconnects by itself and retries.
  assert.equal(await client.get('before'), null);
  assert.equal(await client.set('after', '2'), 'OK');
  assert.equal(await client.get('after'), '2');
});
