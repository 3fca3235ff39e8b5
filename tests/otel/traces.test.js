'use strict';
// Integration tests of Ferrite's trace export against an independent OTLP receiver
// (receiver.js: the official generated schema over @grpc/grpc-js and Node http).
// The producer is otel_trace_driver, which records synthetic commands through the same
// telemetry API the server's dispatcher uses. Run by ctest (label `integration`) with
// FERRITE_OTEL_DRIVER pointing at the driver binary, from tests/ after `npm ci`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { execFile } = require('node:child_process');
const { startReceiver } = require('./receiver');

const DRIVER = process.env.FERRITE_OTEL_DRIVER;
if (!DRIVER) throw new Error('set FERRITE_OTEL_DRIVER to the otel_trace_driver binary');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-otel-'));
let seq = 0;
function writeConfig(text) {
  const file = path.join(TMP, `ferrite-${++seq}.toml`);
  fs.writeFileSync(file, text);
  return file;
}

// Runs the driver asynchronously (the receiver lives in this process's event loop).
function drive(args, env = {}) {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    execFile(DRIVER, args, { env: { ...clean, ...env }, timeout: 120000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`driver failed: ${err.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop();
      try {
        const out = args.includes('--dump-config') ? stdout : JSON.parse(line);
        resolve({ out, stderr });
      } catch (e) {
        reject(new Error(`bad driver output: ${stdout}\n${stderr}`));
      }
    });
  });
}

const BASE = `[telemetry]
enabled = true
batch_timeout_ms = 50
`;

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const STEP_NAMES = ['ferrite.resp.parse', 'ferrite.command.dispatch', 'ferrite.command.execute',
  'ferrite.resp.serialize', 'ferrite.net.write'];
const NESTED_NAMES = ['ferrite.index.lookup', 'ferrite.storage.read', 'ferrite.storage.write',
  'ferrite.epoch.advance', 'ferrite.aof.append'];

let rx;
test.before(async () => { rx = await startReceiver(); });
test.after(async () => { await rx.close(); fs.rmSync(TMP, { recursive: true, force: true }); });
test.beforeEach(() => rx.reset());

for (const [protocol, endpoint] of [
  ['grpc', () => `http://127.0.0.1:${rx.grpcPort}`],
  ['http/protobuf', () => `http://127.0.0.1:${rx.httpPort}`],
  ['http/json', () => `http://127.0.0.1:${rx.httpPort}`],
]) {
  test(`${protocol}: span names, kinds, attributes, status and hierarchy`, async () => {
    const cfg = writeConfig(BASE);
    const { out } = await drive(['--config', cfg, '--commands', '6', '--error-every', '3', '--background'], {
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(),
    });
    assert.equal(out.sampled, 6);
    assert.equal(out.dropped, 0);
    assert.equal(out.failed, 0);
    const reqs = rx.accepted();
    assert.ok(reqs.length >= 1);
    for (const r of reqs) {
      if (protocol === 'grpc') {
        assert.equal(r.transport, 'grpc');
      } else {
        assert.equal(r.method, 'POST');
        assert.equal(r.path, '/v1/traces');
        assert.equal(r.contentType, protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
        assert.match(r.headers['user-agent'], /^ferrite\//);
      }
    }
    const spans = rx.spans();
    assert.equal(spans.length, out.exported);
    const commands = spans.filter((s) => s.name === 'ferrite.command');
    assert.equal(commands.length, 6);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const c of commands) {
      assert.equal(c.kind, 2, 'command span is SERVER');
      assert.equal(c.parentSpanId, '');
      assert.match(c.traceId, /^[0-9a-f]{32}$/);
      assert.match(c.spanId, /^[0-9a-f]{16}$/);
      assert.equal(c.flags & 0x301, 0x101, 'sampled, parent-remote known and false');
      assert.ok(BigInt(c.startTimeUnixNano) <= BigInt(c.endTimeUnixNano));
      const a = c.attributes;
      assert.equal(a['db.system'], 'ferrite');
      assert.ok(['SET', 'GET'].includes(a['db.operation']));
      assert.equal(a['ferrite.command.name'], a['db.operation']);
      assert.match(a['ferrite.command.key'], /^user:\d+$/);
      assert.equal(a['db.statement'], `${a['db.operation']} ${a['ferrite.command.key']}${a['db.operation'] === 'SET' ? ' ?' : ''}`);
      assert.equal(a['ferrite.command.args_count'], a['db.operation'] === 'SET' ? 3 : 2);
      assert.equal(a['net.peer.ip'], '127.0.0.1');
      assert.equal(typeof a['net.peer.port'], 'number');
      assert.equal(typeof a['ferrite.connection.id'], 'number');
      assert.equal(a['ferrite.replication.role'], 'primary');
      assert.equal(typeof a['ferrite.replication.offset'], 'number');
      assert.equal(a['ferrite.storage.operation'], a['db.operation'] === 'SET' ? 'write' : 'read');
      assert.equal(a['ferrite.storage.tier'], a['db.operation'] === 'SET' ? 'mutable' : 'read_only');
      if (a['db.operation'] === 'GET') {
        assert.equal(a['ferrite.storage.cache_hit'], true);
        assert.equal(a['ferrite.storage.bytes'], 1234);
      } else {
        assert.equal(a['ferrite.storage.epoch'], 42);
      }
      if (a['ferrite.command.result'] === 'WRONGTYPE') {
        assert.equal(c.status.code, 2);
        assert.equal(c.status.message, 'WRONGTYPE Operation against a key holding the wrong kind of value');
      } else {
        assert.equal(c.status.code, 0);
        assert.ok(['OK', 'NIL'].includes(a['ferrite.command.result']));
      }
      // Children.
      const kids = spans.filter((s) => s.parentSpanId === c.spanId);
      assert.deepEqual(kids.map((s) => s.name).sort(), [...STEP_NAMES].sort());
      const exec = kids.find((s) => s.name === 'ferrite.command.execute');
      const nested = spans.filter((s) => s.parentSpanId === exec.spanId).map((s) => s.name);
      if (a['db.operation'] === 'SET') {
        assert.deepEqual(nested.sort(), ['ferrite.aof.append', 'ferrite.epoch.advance', 'ferrite.index.lookup', 'ferrite.storage.write']);
      } else {
        assert.deepEqual(nested.sort(), ['ferrite.index.lookup', 'ferrite.storage.read', 'ferrite.storage.read']);
        const reads = spans.filter((s) => s.parentSpanId === exec.spanId && s.name === 'ferrite.storage.read');
        assert.deepEqual(reads.map((s) => [s.attributes['ferrite.storage.tier'], s.attributes['ferrite.storage.cache_hit']]),
          [['mutable', false], ['read_only', true]]);
      }
      for (const k of [...kids, ...spans.filter((s) => s.parentSpanId === exec.spanId)]) {
        assert.equal(k.traceId, c.traceId);
        assert.equal(k.kind, 1, `${k.name} is INTERNAL`);
        const parent = byId.get(k.parentSpanId);
        assert.ok(BigInt(parent.startTimeUnixNano) <= BigInt(k.startTimeUnixNano), `${k.name} starts inside its parent`);
        assert.ok(BigInt(k.endTimeUnixNano) <= BigInt(parent.endTimeUnixNano), `${k.name} ends inside its parent`);
      }
    }
    // Background spans.
    const ckpt = spans.find((s) => s.name === 'ferrite.storage.checkpoint');
    const flush = spans.find((s) => s.name === 'ferrite.storage.flush');
    const rewrite = spans.find((s) => s.name === 'ferrite.aof.rewrite');
    assert.ok(ckpt && flush && rewrite);
    assert.equal(flush.parentSpanId, ckpt.spanId);
    assert.equal(flush.traceId, ckpt.traceId);
    assert.equal(flush.attributes['ferrite.storage.bytes'], 1 << 20);
    assert.equal(rewrite.status.code, 2);
    assert.equal(rewrite.status.message, 'No space left on device');
    // Resource and scope.
    const res = spans[0].resource;
    assert.equal(res['service.name'], 'ferrite');
    assert.equal(res['telemetry.sdk.name'], 'ferrite');
    assert.equal(res['telemetry.sdk.language'], 'cpp');
    assert.equal(spans[0].scope.name, 'ferrite');
    assert.equal(spans[0].scope.schemaUrl, 'https://opentelemetry.io/schemas/1.24.0');
  });
}

test('client traceparent and tracestate become the parent of ferrite.command', async () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const { out } = await drive(['--config', writeConfig(BASE), '--commands', '3', '--traceparent', tp,
    '--tracestate', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'],
  { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  assert.equal(out.exported, rx.spans().length);
  const commands = rx.spans().filter((s) => s.name === 'ferrite.command');
  assert.equal(commands.length, 3);
  for (const c of commands) {
    assert.equal(c.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(c.parentSpanId, 'b7ad6b7169203331');
    assert.equal(c.traceState, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(c.flags, 0x301, 'sampled with a remote parent');
  }
  for (const s of rx.spans()) assert.equal(s.traceId, '0af7651916cd43dd8448eb211c80319c');
});

test('an unsampled client parent suppresses the trace; an invalid one starts a new trace', async () => {
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` };
  const unsampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
  const a = await drive(['--config', writeConfig(BASE), '--commands', '5', '--traceparent', unsampled], env);
  assert.equal(a.out.sampled, 0);
  assert.equal(rx.spans().length, 0);
  const invalid = '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01';  // uppercase: invalid
  const b = await drive(['--config', writeConfig(BASE), '--commands', '2', '--traceparent', invalid], env);
  assert.equal(b.out.sampled, 2);
  const commands = rx.spans().filter((s) => s.name === 'ferrite.command');
  assert.equal(commands.length, 2);
  for (const c of commands) {
    assert.equal(c.parentSpanId, '');
    assert.notEqual(c.traceId, '0af7651916cd43dd8448eb211c80319c');
  }
});

test('span_detail = command exports the command span alone; semconv opt-in switches names', async () => {
  const cfg = writeConfig(`${BASE}span_detail = "command"\nstatement = "keys_redacted"\n`);
  await drive(['--config', cfg, '--commands', '4'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_SEMCONV_STABILITY_OPT_IN: 'database',
  });
  let spans = rx.spans();
  assert.equal(spans.length, 4);
  for (const s of spans) {
    assert.equal(s.name, 'ferrite.command');
    assert.equal(s.attributes['db.system.name'], 'ferrite');
    assert.ok(s.attributes['db.operation.name']);
    assert.match(s.attributes['db.query.text'], /^(SET \? \?|GET \?)$/);
    assert.equal(s.attributes['network.peer.address'], '127.0.0.1');
    assert.equal(typeof s.attributes['network.peer.port'], 'number');
    assert.equal(s.attributes['db.namespace'], '0');
    assert.equal(s.attributes['db.system'], undefined);
    assert.equal(s.attributes['db.statement'], undefined);
    assert.equal(s.scope.schemaUrl, 'https://opentelemetry.io/schemas/1.30.0');
  }
  rx.reset();
  await drive(['--config', writeConfig(`${BASE}span_detail = "command"\nstatement = "off"\n`), '--commands', '2'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_SEMCONV_STABILITY_OPT_IN: 'database/dup',
  });
  spans = rx.spans();
  assert.equal(spans.length, 2);
  for (const s of spans) {
    assert.equal(s.attributes['db.system'], 'ferrite');
    assert.equal(s.attributes['db.system.name'], 'ferrite');
    assert.equal(s.attributes['net.peer.ip'], '127.0.0.1');
    assert.equal(s.attributes['network.peer.address'], '127.0.0.1');
    assert.equal(s.attributes['db.statement'], undefined, 'statement = off');
    assert.equal(s.attributes['db.query.text'], undefined, 'statement = off');
  }
});

test('binary keys arrive as valid UTF-8 with \\x escapes', async () => {
  await drive(['--config', writeConfig(`${BASE}span_detail = "command"\n`), '--commands', '2', '--binary-key'],
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  const spans = rx.spans();
  assert.equal(spans.length, 2);
  assert.equal(spans[0].attributes['ferrite.command.key'], 'bin\\x00\\xff\\xfe:0');
  assert.equal(spans[0].attributes['db.statement'], 'SET "bin\\x00\\xff\\xfe:0" ?');
});

test('sampler ratio is statistically right (traceidratio 0.25 from the environment)', async () => {
  const n = 4000;
  const p = 0.25;
  const { out } = await drive(['--config', writeConfig(`${BASE}span_detail = "command"\nsample_rate = 1.0\n`), '--commands', String(n)], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(p),
  });
  const got = rx.spans().length;
  assert.equal(got, out.sampled);
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(got - n * p) < 5 * sigma, `sampled ${got} of ${n}, expected ${n * p} ± ${5 * sigma}`);
  // The decision is the W3C Level 2 rule: the low 56 bits of each exported trace id are >= (1-p)*2^56.
  const threshold = BigInt(Math.floor((1 - p) * 2 ** 56));
  for (const s of rx.spans()) assert.ok(BigInt('0x' + s.traceId.slice(18)) >= threshold);
  // sample_rate in the file maps onto the same sampler when the environment is silent.
  rx.reset();
  const r2 = await drive(['--config', writeConfig(`${BASE}span_detail = "command"\nsample_rate = 0.1\n`), '--commands', String(n)],
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  const s2 = Math.sqrt(n * 0.1 * 0.9);
  assert.equal(rx.spans().length, r2.out.sampled);
  assert.ok(Math.abs(r2.out.sampled - n * 0.1) < 5 * s2, `sampled ${r2.out.sampled}`);
});

test('environment beats the file (endpoint, service name, headers) and --dump-config says so', async () => {
  const cfg = writeConfig(`${BASE}endpoint = "http://127.0.0.1:1"\nservice_name = "from-file"\nservice_namespace = "prod"\n` +
    '[telemetry.headers]\n"X-Api-Key" = "${FERRITE_TEST_KEY}"\n');
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_SERVICE_NAME: 'from-env',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,service.name=ignored',
    FERRITE_TEST_KEY: 'k-123',
  };
  await drive(['--config', cfg, '--commands', '1'], env);
  const spans = rx.spans();
  assert.ok(spans.length > 0);
  assert.equal(spans[0].resource['service.name'], 'from-env');
  assert.equal(spans[0].resource['service.namespace'], 'prod');
  assert.equal(spans[0].resource['deployment.environment'], 'test');
  assert.deepEqual(rx.accepted()[0].metadata['x-api-key'], 'k-123');
  const { out: dump } = await drive(['--config', cfg, '--dump-config'], env);
  assert.match(dump, /^endpoint = "http:\/\/127\.0\.0\.1:\d+"  # from: env:OTEL_EXPORTER_OTLP_ENDPOINT$/m);
  assert.match(dump, /^service_name = "from-env"  # from: env:OTEL_SERVICE_NAME$/m);
  assert.match(dump, /^service_namespace = "prod"  # from: file$/m);
  assert.match(dump, /^batch_size = 512  # from: default$/m);
  assert.doesNotMatch(dump, /k-123/);
});

test('gzip and headers over gRPC and HTTP', async () => {
  const cfg = writeConfig(`${BASE}compression = "gzip"\n[telemetry.headers]\n"Authorization" = "Bearer \${FERRITE_TEST_TOKEN}"\n`);
  await drive(['--config', cfg, '--commands', '2'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcRawPort}`, FERRITE_TEST_TOKEN: 'tok',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme%20corp',
  });
  let r = rx.accepted()[0];
  assert.equal(r.transport, 'grpc-raw');
  assert.equal(r.path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
  assert.equal(r.grpcEncoding, 'gzip');
  assert.equal(r.compressedFlag, true);
  assert.equal(r.metadata.authorization, 'Bearer tok');
  assert.equal(r.metadata['x-tenant'], 'acme corp');
  assert.ok(rx.spans().length > 0);
  rx.reset();
  await drive(['--config', cfg, '--commands', '2'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.httpPort}`,
    FERRITE_TEST_TOKEN: 'tok',
  });
  r = rx.accepted()[0];
  assert.equal(r.contentEncoding, 'gzip');
  assert.equal(r.headers.authorization, 'Bearer tok');
  assert.ok(r.spans.length > 0);
});

test('per-signal endpoint is used as is', async () => {
  await drive(['--config', writeConfig(BASE), '--commands', '1'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${rx.httpPort}/custom/traces`,
  });
  assert.equal(rx.accepted()[0].path, '/custom/traces');
});

test('gRPC UNAVAILABLE is retried, honouring RetryInfo', async () => {
  rx.setFault({ mode: 'unavailable', count: 2, retryDelayMs: 300 });
  const { out } = await drive(['--config', writeConfig(BASE), '--commands', '2'],
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  const reqs = rx.requests();
  assert.equal(reqs.length, 3);
  assert.deepEqual(reqs.map((r) => r.fault), ['unavailable', 'unavailable', undefined]);
  assert.ok(reqs[1].time - reqs[0].time >= 280, `waited ${reqs[1].time - reqs[0].time} ms`);
  assert.equal(out.retries, 2);
  assert.equal(out.failed, 0);
  assert.equal(out.exported, reqs[2].spans.length);
});

test('HTTP 503 is retried, honouring Retry-After', async () => {
  rx.setFault({ mode: 'http503', count: 2, retryAfter: 1 });
  const { out } = await drive(['--config', writeConfig(BASE), '--commands', '2'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.httpPort}`,
  });
  const reqs = rx.requests();
  assert.equal(reqs.length, 3);
  assert.ok(reqs[1].time - reqs[0].time >= 950, `waited ${reqs[1].time - reqs[0].time} ms`);
  assert.equal(out.retries, 2);
  assert.equal(out.exported, reqs[2].spans.length);
});

test('non-retryable rejections are not retried and count as failed; partial success is counted', async () => {
  rx.setFault({ mode: 'reject', count: -1 });
  const a = await drive(['--config', writeConfig(`${BASE}span_detail = "command"\n`), '--commands', '3'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.httpPort}`,
  });
  assert.equal(rx.requests().length, 1);
  assert.equal(a.out.retries, 0);
  assert.equal(a.out.failed, 3);
  assert.equal(a.out.exported, 0);
  assert.match(a.stderr, /returned 400/);
  rx.reset();
  rx.setFault({ mode: 'partial', count: -1 });
  const b = await drive(['--config', writeConfig(`${BASE}span_detail = "command"\n`), '--commands', '3'],
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  assert.equal(rx.requests().length, 1);
  assert.equal(b.out.failed, 1);
  assert.equal(b.out.exported, 2);
  assert.match(b.stderr, /one span rejected by test/);
});

test('a dead collector does not slow the producer; drops are counted; shutdown is bounded', async () => {
  const port = await freePort();
  const n = 20000;
  const { out } = await drive(['--config', writeConfig(`${BASE}timeout_ms = 500\nmax_queue_size = 2048\n`),
    '--commands', String(n), '--threads', '2', '--flush-ms', '300', '--shutdown-ms', '1000'],
  { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  assert.equal(out.sampled, n);
  assert.equal(out.exported, 0);
  assert.ok(out.dropped + out.failed > 0);
  assert.ok(out.shutdown_ms < 3000, `shutdown took ${out.shutdown_ms} ms`);
  // Recording never waits for the network: the whole run of 20000 commands is quick.
  assert.ok(out.record_ms < 5000, `recording took ${out.record_ms} ms`);
});

test('a slow collector does not slow the producer; shutdown is bounded', async () => {
  rx.setFault({ mode: 'slow', delayMs: 3000, count: -1 });
  const n = 20000;
  const { out } = await drive(['--config', writeConfig(`${BASE}timeout_ms = 400\nbatch_size = 256\n`),
    '--commands', String(n), '--flush-ms', '200', '--shutdown-ms', '800'],
  { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  assert.equal(out.sampled, n);
  assert.ok(out.shutdown_ms < 3000, `shutdown took ${out.shutdown_ms} ms`);
  assert.ok(out.record_ms < 5000, `recording took ${out.record_ms} ms`);
  assert.ok(out.dropped + out.failed > 0);
});

test('large batches are split below 4 MiB per request', async () => {
  const { out } = await drive(['--config', writeConfig(`[telemetry]\nenabled = true\nbatch_timeout_ms = 60000\nbatch_size = 20000\nmax_queue_size = 60000\nstatement = "full"\n`),
    '--commands', '5000', '--flush-ms', '60000'], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` });
  const reqs = rx.accepted();
  const sizes = reqs.map((r) => r.bytes);
  assert.ok(Math.max(...sizes) < 4 * 1024 * 1024, `request sizes ${sizes}`);
  assert.ok(Math.max(...sizes) > 2 * 1024 * 1024, `expected near-limit requests, got ${sizes}`);
  assert.equal(out.exported, rx.spans().length);
  assert.equal(out.failed, 0);
});
