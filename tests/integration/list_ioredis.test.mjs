// List commands through npm's ioredis against the real ferrite binary (node --test): pushes,
// ranges, pops, pipelined pushes, and a BLPOP on one connection woken by an LPUSH on another.
// Run by ctest through run_node_test.sh (skips with 77 without tests/node_modules).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ferrite } from './node/server.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis').default ?? require('ioredis');

let server;
let client;

before(async () => {
  server = await new Ferrite().start();
  client = new Redis({ host: '127.0.0.1', port: server.port });
});

after(async () => {
  client.disconnect();
  if (server.proc) assert.equal(await server.stop(), 0);
});

// Waits until `count` clients are parked in a blocking command (CLIENT LIST flag b).
async function waitBlocked(count) {
  for (let i = 0; i < 1000; i++) {
    const list = await client.client('LIST');
    const blocked = list.split('\n').filter((l) => /flags=\S*b/.test(l));
    if (blocked.length >= count) return;
    await sleep(10);
  }
  assert.fail(`${count} blocked client(s) expected`);
}

test('pushes, ranges and pops', async () => {
  await client.flushall();
  assert.equal(await client.lpush('l', 'a', 'b', 'c'), 3);
  assert.equal(await client.rpush('l', 'x'), 4);
  assert.deepEqual(await client.lrange('l', 0, -1), ['c', 'b', 'a', 'x']);
  assert.deepEqual(await client.lrange('l', 1, 2), ['b', 'a']);
  assert.equal(await client.llen('l'), 4);
  assert.equal(await client.lpop('l'), 'c');
  assert.deepEqual(await client.rpop('l', 2), ['x', 'a']);
  assert.equal(await client.lpop('missing'), null);
  assert.equal(await client.rpop('missing', 2), null);
  assert.equal(await client.lmove('l', 'l2', 'LEFT', 'RIGHT'), 'b');
  assert.equal(await client.exists('l'), 0);
  assert.deepEqual(await client.lpos('l2', 'b', 'COUNT', 0), [0]);
  await client.set('s', 'v');
  await assert.rejects(client.lpush('s', 'x'), /WRONGTYPE/);
});

test('pipelined pushes keep order', async () => {
  await client.flushall();
  const p = client.pipeline();
  for (let i = 0; i < 3000; i++) p.rpush('p', String(i));
  p.lrange('p', 2995, -1);
  const results = await p.exec();
  assert.deepEqual(results[2999], [null, 3000]);
  assert.deepEqual(results[3000], [null, ['2995', '2996', '2997', '2998', '2999']]);
});

test('BLPOP is woken by an LPUSH from another connection', async () => {
  await client.flushall();
  const waiter = new Redis({ host: '127.0.0.1', port: server.port });
  try {
    const popped = waiter.blpop('q', 0);
    await waitBlocked(1);
    assert.equal(await client.lpush('q', 'job'), 1);
    assert.deepEqual(await popped, ['q', 'job']);
    assert.equal(await client.exists('q'), 0);
    // And a timeout answers null.
    assert.equal(await waiter.blpop('q', 0.05), null);
  } finally {
    waiter.disconnect();
  }
});
