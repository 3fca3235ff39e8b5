'use strict';
// End to end for logs: a real Ferrite with [telemetry] (traces and logs over OTLP/gRPC to the
// receiver) and [logging] format = "json" to a file, run with FERRITE_LOG=ferrite=debug.
// Checks that every JSON line parses, that the "Command executed" lines and the OTLP log
// records carry the trace_id / span_id of the ferrite.command spans the receiver got for the
// same commands, that the environment beats the file's level, SLOWLOG and the info-level slow
// line, and that a log flood against a tiny export queue does not stall clients.
//
// Needs the server: FERRITE_BIN=/path/to/ferrite node --test otel/logs_e2e.test.js (from
// tests/). Skipped when FERRITE_BIN is not set.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { startReceiver } = require('./receiver');
const { freePort, waitForPort } = require('./ports');

const BIN = process.env.FERRITE_BIN;
const skip = BIN ? false : 'FERRITE_BIN is not set';

async function waitFor(pred, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const resp = (...args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

// A raw RESP connection; callers say when the reply text they wait for is complete.
class Client {
  constructor(port) { this.port = port; this.buf = ''; }
  connect() {
    return new Promise((resolve, reject) => {
      this.sock = net.connect(this.port, '127.0.0.1', resolve);
      this.sock.on('error', reject);
      this.sock.on('data', (d) => { this.buf += d.toString('latin1'); });
    });
  }
  // Sends `payload` and waits until `done(text read so far)` holds.
  async send(payload, done, ms = 30000) {
    this.buf = '';
    this.sock.write(payload);
    const ok = await waitFor(() => done(this.buf), ms);
    if (!ok) throw new Error(`no complete reply; got ${JSON.stringify(this.buf.slice(0, 300))}`);
    return this.buf;
  }
  close() { this.sock.end(); }
}

function readJsonLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((s) => s.length > 0).map((s) => {
    try { return JSON.parse(s); } catch (e) { throw new Error(`log line is not JSON: ${s}`); }
  });
}

async function startFerrite(rx, extraToml = '', env = {}) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-logs-e2e-'));
  const logFile = path.join(dir, 'ferrite.log');
  const cfg = path.join(dir, 'ferrite.toml');
  fs.writeFileSync(cfg, `[telemetry]
enabled = true
endpoint = "http://127.0.0.1:${rx.grpcPort}"
protocol = "grpc"
logs_enabled = true
batch_timeout_ms = 100
logs_batch_timeout_ms = 100
${extraToml}
[logging]
level = "warn"
format = "json"
output = "${logFile}"
slowlog_log_slower_than = -1
`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const server = spawn(BIN, ['--config', cfg, '--port', String(port), '--dir', dir],
    { stdio: 'inherit', env: { ...clean, FERRITE_LOG: 'ferrite=debug', ...env } });
  const exited = new Promise((r) => server.on('exit', r));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, logFile, server, stop };
}

test('Command executed lines and OTLP log records carry the command spans\' ids', { skip }, async () => {
  const rx = await startReceiver();
  const f = await startFerrite(rx);
  try {
    const c = new Client(f.port);
    await c.connect();
    await c.send(resp('SET', 'user:123', 'v') + resp('GET', 'user:123') + resp('GET', 'missing'),
      (b) => b.startsWith('+OK\r\n$1\r\nv\r\n$-1\r\n'));
    c.close();
    // The file says warn; FERRITE_LOG=ferrite=debug wins, so debug command lines appear.
    assert.ok(await waitFor(() => readJsonLines(f.logFile).filter((l) => l.message === 'Command executed').length >= 3),
      'no "Command executed" lines at debug (the dispatcher must call server::LogCommand)');
    const lines = readJsonLines(f.logFile);  // every line parses (readJsonLines throws otherwise)
    for (const l of lines) {
      for (const k of ['timestamp', 'level', 'target', 'message', 'fields']) assert.ok(k in l, `${k} in ${JSON.stringify(l)}`);
      assert.match(l.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const set = lines.find((l) => l.message === 'Command executed' && l.fields.command === 'SET');
    assert.equal(set.level, 'DEBUG');
    assert.equal(set.target, 'ferrite::commands::strings');
    assert.equal(set.fields.key, 'user:123');
    assert.equal(set.fields.result, 'OK');
    assert.ok(Number.isInteger(set.fields.duration_us) && set.fields.duration_us >= 0);
    assert.match(set.fields.client_addr, /^127\.0\.0\.1:\d+$/);
    assert.match(set.trace_id, /^[0-9a-f]{32}$/);
    assert.match(set.span_id, /^[0-9a-f]{16}$/);
    const miss = lines.find((l) => l.message === 'Command executed' && l.fields.key === 'missing');
    assert.equal(miss.fields.result, 'NIL');
    // The receiver got the ferrite.command span with those ids.
    assert.ok(await waitFor(() => rx.spans().some((s) => s.traceId === set.trace_id && s.spanId === set.span_id)),
      'span of the logged SET not received');
    const span = rx.spans().find((s) => s.spanId === set.span_id);
    assert.equal(span.name, 'ferrite.command');
    // And the OTLP log record of the same line.
    assert.ok(await waitFor(() => rx.logs().some((l) => l.body === 'Command executed' && l.spanId === set.span_id)),
      'OTLP log record of the SET not received');
    const rec = rx.logs().find((l) => l.body === 'Command executed' && l.spanId === set.span_id);
    assert.equal(rec.traceId, set.trace_id);
    assert.equal(rec.severityNumber, 5);
    assert.equal(rec.severityText, 'DEBUG');
    assert.equal(rec.attributes.command, 'SET');
    assert.equal(rec.attributes['code.namespace'], 'ferrite::commands::strings');
    assert.equal(rec.flags & 1, 1);
    assert.equal(rec.resource['service.name'], 'ferrite');
  } finally {
    await f.stop();
    await rx.close();
  }
});

test('slow commands: SLOWLOG entries and info lines with the same fields', { skip }, async () => {
  const rx = await startReceiver();
  // Only info from the environment: the slow line must still appear, debug lines must not.
  const f = await startFerrite(rx, '', { FERRITE_LOG: 'info' });
  try {
    const c = new Client(f.port);
    await c.connect();
    await c.send(resp('CONFIG', 'SET', 'slowlog-log-slower-than', '0'), (b) => b === '+OK\r\n');
    await c.send(resp('SLOWLOG', 'RESET'), (b) => b === '+OK\r\n');
    await c.send(resp('SET', 'slow:key', 'v'), (b) => b === '+OK\r\n');
    const out = await c.send(resp('SLOWLOG', 'GET', '10'), (b) => b.includes('slow:key') && b.endsWith('\r\n'));
    assert.match(out, /\$3\r\nSET\r\n\$8\r\nslow:key\r\n\$1\r\nv\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n/);
    const len = await c.send(resp('SLOWLOG', 'LEN'), (b) => /^:\d+\r\n$/.test(b));
    assert.ok(Number(len.slice(1)) >= 2);
    c.close();
    assert.ok(await waitFor(() => readJsonLines(f.logFile).some((l) => l.fields && l.fields.key === 'slow:key')));
    const line = readJsonLines(f.logFile).find((l) => l.fields && l.fields.key === 'slow:key');
    assert.equal(line.level, 'INFO');
    assert.equal(line.message, 'Command executed');
    assert.ok(readJsonLines(f.logFile).every((l) => l.level !== 'DEBUG'));
  } finally {
    await f.stop();
    await rx.close();
  }
});

test('a log flood against a tiny export queue does not stall clients', { skip }, async () => {
  const rx = await startReceiver();
  const f = await startFerrite(rx, '', { OTEL_BLRP_MAX_QUEUE_SIZE: '16', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '8' });
  try {
    const c = new Client(f.port);
    await c.connect();
    const n = 20000;
    const t0 = Date.now();
    const out = await c.send(resp('PING').repeat(n), (b) => b.length >= n * 7, 60000);
    const ms = Date.now() - t0;
    assert.equal(out.split('+PONG\r\n').length - 1, n);
    const info = await c.send(resp('INFO', 'telemetry'), (b) => b.includes('otel_logs_failed'));
    const field = (k) => Number((info.match(new RegExp(`${k}:(\\d+)`)) || [])[1]);
    console.log(`# ${n} pipelined PINGs with debug logging: ${ms} ms; logs exported ${field('otel_logs_exported')}, ` +
      `dropped ${field('otel_logs_dropped')}`);
    assert.ok(field('otel_logs_dropped') > 0, 'the 16-record export queue must have overflowed');
    c.close();
  } finally {
    await f.stop();
    await rx.close();
  }
});
