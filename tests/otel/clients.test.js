'use strict';
// Tests of clients/node against a recording RESP server: the CLIENT TRACEPARENT command is
// pipelined right before each traced command and carries the right span context, with plain
// ioredis, with @opentelemetry/instrumentation-ioredis (the parent is the ioredis CLIENT span),
// and with node-redis.

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { execFile } = require('node:child_process');

// A minimal RESP2 server that records every command and answers like Redis would.
function startRespServer() {
  const commands = [];
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const parsed = parseCommand(buf);
        if (!parsed) break;
        buf = buf.subarray(parsed.used);
        commands.push(parsed.args);
        sock.write(reply(parsed.args));
      }
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    commands,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  })));
}

function parseCommand(buf) {
  if (buf.length === 0 || buf[0] !== 0x2a) return null;
  let pos = buf.indexOf('\r\n');
  if (pos < 0) return null;
  const n = Number(buf.subarray(1, pos).toString());
  pos += 2;
  const args = [];
  for (let i = 0; i < n; i++) {
    const end = buf.indexOf('\r\n', pos);
    if (end < 0) return null;
    const len = Number(buf.subarray(pos + 1, end).toString());
    if (buf.length < end + 2 + len + 2) return null;
    args.push(buf.subarray(end + 2, end + 2 + len).toString());
    pos = end + 2 + len + 2;
  }
  return { args, used: pos };
}

function reply(args) {
  const cmd = args[0].toUpperCase();
  if (cmd === 'GET') return '$-1\r\n';
  if (cmd === 'INFO') return '$11\r\nloading:0\r\n\r\n';
  if (cmd === 'HELLO') {
    const proto = args[1] === '3' ? 3 : 2;
    const kv = [['server', 'redis'], ['version', '7.0.15'], ['proto', proto], ['id', 1], ['mode', 'standalone'],
      ['role', 'master']];
    const enc = (v) => (typeof v === 'number' ? `:${v}\r\n` : `$${Buffer.byteLength(v)}\r\n${v}\r\n`);
    const body = kv.map(([k, v]) => enc(k) + enc(v)).join('') + '$7\r\nmodules\r\n*0\r\n';
    return (proto === 3 ? `%${kv.length + 1}\r\n` : `*${2 * (kv.length + 1)}\r\n`) + body;
  }
  return '+OK\r\n';
}

function runFixture(scenario, port) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'clients_fixture.js'), scenario, String(port)],
      { timeout: 60000, env: { ...process.env, NODE_PATH: path.join(__dirname, '..', 'node_modules') } }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      });
  });
}

// The commands that follow connection setup, as [CLIENT TRACEPARENT?, command] pairs.
function traced(commands, name) {
  const out = [];
  commands.forEach((c, i) => {
    if (c[0].toUpperCase() === name && c[1] && c[1].startsWith('user:123')) {
      const prev = commands[i - 1];
      out.push(prev && prev[0].toUpperCase() === 'CLIENT' && prev[1].toUpperCase() === 'TRACEPARENT' ? prev[2] : null);
    }
  });
  return out;
}

for (const scenario of ['ioredis', 'node-redis']) {
  test(`${scenario}: CLIENT TRACEPARENT of the active span precedes each command`, async () => {
    const srv = await startRespServer();
    let spans;
    try {
      spans = await runFixture(scenario, srv.port);
    } finally {
      await srv.close();
    }
    const app = spans.find((s) => s.name === 'handle-user-request');
    assert.ok(app);
    const expected = `00-${app.traceId}-${app.spanId}-01`;
    assert.deepEqual(traced(srv.commands, 'SET'), [expected]);
    assert.deepEqual(traced(srv.commands, 'GET'), [expected]);
    // The GET outside any span carried no context.
    const outside = srv.commands.findIndex((c) => c[1] === 'outside:span');
    assert.ok(outside > 0);
    assert.notEqual(`${srv.commands[outside - 1][0]} ${srv.commands[outside - 1][1]}`.toUpperCase(), 'CLIENT TRACEPARENT');
    const tps = srv.commands.filter((c) => c[0].toUpperCase() === 'CLIENT' && c[1].toUpperCase() === 'TRACEPARENT');
    assert.equal(tps.length, 2);
  });
}

test('ioredis with instrumentation-ioredis: the parent is the ioredis CLIENT span', async () => {
  const srv = await startRespServer();
  let spans;
  try {
    spans = await runFixture('ioredis-instrumented', srv.port);
  } finally {
    await srv.close();
  }
  const app = spans.find((s) => s.name === 'handle-user-request');
  const set = spans.find((s) => s.name === 'set');
  const get = spans.find((s) => s.name === 'get' && s.parentSpanId === app.spanId);
  assert.ok(set && get, JSON.stringify(spans));
  assert.equal(set.kind, 2, 'CLIENT');
  assert.equal(set.parentSpanId, app.spanId);
  assert.deepEqual(traced(srv.commands, 'SET'), [`00-${set.traceId}-${set.spanId}-01`]);
  assert.deepEqual(traced(srv.commands, 'GET'), [`00-${get.traceId}-${get.spanId}-01`]);
  // The injected command itself gets no client span.
  assert.equal(spans.filter((s) => s.name === 'client').length, 0);
});
