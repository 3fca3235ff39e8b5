// Pub/Sub through npm's ioredis against the real ferrite binary (two event-loop threads):
// subscribers on several connections, channel and pattern messages, order, unsubscribe,
// PING in subscribed mode as ioredis reports it, and resubscription after a reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Ferrite } from './server.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis').default ?? require('ioredis');

let server;
let pub;

function connectClient() {
  const c = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 20 });
  c.on('error', () => {});  // reconnect attempts while the server stops
  return c;
}

// Collects `n` messages of `event` from a subscriber.
function collect(sub, event, n) {
  return new Promise((resolve) => {
    const got = [];
    const on = (...args) => {
      got.push(args);
      if (got.length === n) {
        sub.off(event, on);
        resolve(got);
      }
    };
    sub.on(event, on);
  });
}

before(async () => {
  server = await new Ferrite().start();
  pub = connectClient();
});

after(async () => {
  pub.disconnect();
  assert.equal(await server.stop(), 0);
});

test('publish reaches every subscriber in publish order', async () => {
  const subs = [connectClient(), connectClient(), connectClient(), connectClient()];
  for (const s of subs) assert.equal(await s.subscribe('orders'), 1);
  const n = 200;
  const received = subs.map((s) => collect(s, 'message', n));
  for (let i = 0; i < n; i++) assert.equal(await pub.publish('orders', `m${i}`), subs.length);
  for (const got of await Promise.all(received)) {
    assert.deepEqual(got.map(([channel, message]) => `${channel}:${message}`),
      Array.from({ length: n }, (_, i) => `orders:m${i}`));
  }
  assert.deepEqual(await pub.pubsub('NUMSUB', 'orders'), ['orders', subs.length]);
  for (const s of subs) s.disconnect();
});

test('pattern subscriptions deliver pmessage', async () => {
  const sub = connectClient();
  assert.equal(await sub.psubscribe('user:*'), 1);
  assert.equal(await pub.pubsub('NUMPAT'), 1);
  const got = collect(sub, 'pmessage', 2);
  assert.equal(await pub.publish('user:1', 'login'), 1);
  assert.equal(await pub.publish('other', 'ignored'), 0);
  assert.equal(await pub.publish('user:2', 'logout'), 1);
  assert.deepEqual(await got, [['user:*', 'user:1', 'login'], ['user:*', 'user:2', 'logout']]);
  await sub.punsubscribe('user:*');
  assert.equal(await pub.publish('user:3', 'x'), 0);
  sub.disconnect();
});

test('ping while subscribed, then back to normal mode', async () => {
  const sub = connectClient();
  await sub.subscribe('c');
  // The server answers ["pong", ""] / ["pong", "x"] in subscribed mode; ioredis maps them to
  // what it returns against Redis 7.0 (checked against redis-server): "PONG" and "x".
  assert.equal(await sub.ping(), 'PONG');
  assert.equal(await sub.ping('x'), 'x');
  assert.equal(await sub.unsubscribe('c'), 0);
  assert.equal(await sub.get('k'), null);  // out of subscribed mode
  sub.disconnect();
});

test('ioredis resubscribes after the server closes its connection', async () => {
  const sub = connectClient();
  await sub.subscribe('survive');
  const id = await sub.client('ID');
  const ready = once(sub, 'ready');
  assert.equal(await pub.client('KILL', 'ID', String(id)), 1);
  await ready;  // reconnected; ioredis re-sends SUBSCRIBE
  for (let i = 0; i < 50; i++) {
    const [, n] = await pub.pubsub('NUMSUB', 'survive');
    if (n === 1) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const got = collect(sub, 'message', 1);
  assert.equal(await pub.publish('survive', 'again'), 1);
  assert.deepEqual(await got, [['survive', 'again']]);
  sub.disconnect();
});
