'use strict';
// End to end: a Node app with the official OTel JS SDK, ioredis, instrumentation-ioredis and the
// clients/node helper talks to a real Ferrite; the app's spans (OTLP/HTTP) and Ferrite's spans
// (OTLP/gRPC) arrive at the same receiver and must form one trace:
//   handle-user-request (app) -> set / get (ioredis CLIENT) -> ferrite.command (SERVER) -> steps
// Also checks the RESP3 attribute form and CLIENT TRACEPARENT STICKY/CLEAR with a raw socket.
//
// Needs the server: FERRITE_BIN=/path/to/ferrite node --test otel/e2e.test.js (from tests/).
// Skipped (with that reason) when FERRITE_BIN is not set.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn, execFile } = require('node:child_process');
const { startReceiver } = require('./receiver');
const { freePort, waitForPort } = require('./ports');

const BIN = process.env.FERRITE_BIN;
const skip = BIN ? false : 'FERRITE_BIN is not set';

// Sends raw RESP and resolves with everything read until `expectReplies` replies arrived.
function raw(port, payload, expectReplies) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.split('\r\n').filter((l) => /^[+\-:$*_%|]/.test(l)).length >= expectReplies) { s.end(); resolve(buf); }
    });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); resolve(buf); }, 3000);
  });
}

async function waitFor(pred, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('app span, ioredis span and Ferrite spans form one trace', { skip }, async () => {
  const rx = await startReceiver();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-e2e-'));
  const cfg = path.join(dir, 'ferrite.toml');
  fs.writeFileSync(cfg, `[telemetry]\nenabled = true\nendpoint = "http://127.0.0.1:${rx.grpcPort}"\n` +
    'protocol = "grpc"\nbatch_timeout_ms = 100\n');
  const server = spawn(BIN, ['--config', cfg, '--port', String(port), '--dir', dir], { stdio: 'inherit' });
  try {
    await waitForPort(port);
    const spans = await new Promise((resolve, reject) => execFile(process.execPath,
      [path.join(__dirname, 'clients_fixture.js'), 'ioredis-instrumented', String(port)],
      { env: { ...process.env, NODE_PATH: path.join(__dirname, '..', 'node_modules'),
        OTLP_HTTP_URL: `http://127.0.0.1:${rx.httpPort}/v1/traces` }, timeout: 60000 },
      (err, out, errout) => (err ? reject(new Error(errout)) : resolve(JSON.parse(out.trim().split('\n').pop())))));
    const app = spans.find((s) => s.name === 'handle-user-request');
    const set = spans.find((s) => s.name === 'set');
    await waitFor(() => rx.spans().some((s) => s.name === 'ferrite.command' && s.traceId === app.traceId &&
      s.attributes['db.operation'] === 'SET'));
    const all = rx.spans().filter((s) => s.traceId === app.traceId);
    const services = new Set(all.map((s) => s.resource['service.name']));
    assert.ok(services.has('my-node-app') && services.has('ferrite'), [...services].join(','));
    const cmd = all.find((s) => s.name === 'ferrite.command' && s.attributes['db.operation'] === 'SET');
    assert.equal(cmd.parentSpanId, set.spanId, 'ferrite.command is a child of the ioredis span');
    assert.equal(cmd.kind, 2);
    assert.equal(cmd.flags & 0x300, 0x300, 'remote parent');
    const exec = all.find((s) => s.parentSpanId === cmd.spanId && s.name === 'ferrite.command.execute');
    assert.ok(exec);
    // The storage decorator's steps of the real engine: the SET's write and its epoch entry.
    const nested = all.filter((s) => s.parentSpanId === exec.spanId);
    const write = nested.find((s) => s.name === 'ferrite.storage.write');
    assert.ok(write, nested.map((s) => s.name).join(','));
    assert.equal(write.attributes['ferrite.storage.tier'], 'mutable');
    assert.ok(nested.some((s) => s.name === 'ferrite.epoch.advance'), nested.map((s) => s.name).join(','));
    assert.ok(nested.some((s) => s.name === 'ferrite.index.lookup'), nested.map((s) => s.name).join(','));
    // The RESP3 attribute form and STICKY / CLEAR.
    rx.reset();
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await raw(port, `*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n|1\r\n$11\r\ntraceparent\r\n$${tp.length}\r\n${tp}\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, 2);
    const tp2 = '00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-01';
    await raw(port, `*4\r\n$6\r\nCLIENT\r\n$11\r\nTRACEPARENT\r\n$6\r\nSTICKY\r\n$${tp2.length}\r\n${tp2}\r\n` +
      '*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*3\r\n$6\r\nCLIENT\r\n$11\r\nTRACEPARENT\r\n$5\r\nCLEAR\r\n*1\r\n$4\r\nPING\r\n', 5);
    await waitFor(() => rx.spans().filter((s) => s.name === 'ferrite.command').length >= 4);
    const cmds = rx.spans().filter((s) => s.name === 'ferrite.command');
    assert.ok(cmds.some((s) => s.traceId === tp.slice(3, 35) && s.parentSpanId === tp.slice(36, 52)), 'RESP3 attribute');
    assert.equal(cmds.filter((s) => s.traceId === tp2.slice(3, 35)).length, 2, 'STICKY applies to both PINGs, not after CLEAR');
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    await rx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
