'use strict';
// Integration tests of Ferrite's OTLP log export against the independent receiver
// (receiver.js decodes with the official generated schema). The producer is otel_log_driver,
// which logs through the project logger inside sampled command traces and exports with
// TelemetryRuntime. Run by ctest (label `integration`) with FERRITE_OTEL_LOG_DRIVER pointing at
// the driver, from tests/ after `npm ci`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { startReceiver } = require('./receiver');

const DRIVER = process.env.FERRITE_OTEL_LOG_DRIVER;
if (!DRIVER) throw new Error('set FERRITE_OTEL_LOG_DRIVER to the otel_log_driver binary');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-otel-logs-'));
let seq = 0;
function writeConfig(text) {
  const file = path.join(TMP, `ferrite-${++seq}.toml`);
  fs.writeFileSync(file, text);
  return file;
}

function drive(args, env = {}) {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    execFile(DRIVER, args, { env: { ...clean, ...env }, timeout: 120000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`driver failed: ${err.message}\n${stderr}`));
      try {
        resolve({ out: JSON.parse(stdout.trim().split('\n').pop()), stderr });
      } catch (e) {
        reject(new Error(`bad driver output: ${stdout}\n${stderr}`));
      }
    });
  });
}

const BASE = `[telemetry]
enabled = true
logs_enabled = true
batch_timeout_ms = 50
logs_batch_timeout_ms = 50
`;

let rx;
test.before(async () => { rx = await startReceiver(); });
test.after(async () => { await rx.close(); fs.rmSync(TMP, { recursive: true, force: true }); });
test.beforeEach(() => rx.reset());

for (const [protocol, endpoint] of [
  ['grpc', () => `http://127.0.0.1:${rx.grpcPort}`],
  ['http/protobuf', () => `http://127.0.0.1:${rx.httpPort}`],
  ['http/json', () => `http://127.0.0.1:${rx.httpPort}`],
]) {
  test(`${protocol}: log records decode with severity, body, attributes and the spans' ids`, async () => {
    const logFile = path.join(TMP, `lines-${++seq}.jsonl`);
    const { out } = await drive(['--config', writeConfig(BASE), '--commands', '4', '--log-file', logFile], {
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(),
    });
    assert.equal(out.flushed, true);
    assert.equal(out.ids.length, 4);
    const logs = rx.logs();
    assert.equal(out.logs_exported, logs.length);
    assert.equal(out.logs_dropped, 0);
    const commands = logs.filter((l) => l.body === 'Command executed');
    assert.equal(commands.length, 4);
    const spans = rx.spans().filter((s) => s.name === 'SET' || s.name.startsWith('ferrite.command') || s.kind === 2);
    commands.forEach((l, i) => {
      const [, traceId, spanId, flags] = out.ids[i].split('-');
      assert.equal(l.severityNumber, 5);
      assert.equal(l.severityText, 'DEBUG');
      assert.equal(l.traceId, traceId);
      assert.equal(l.spanId, spanId);
      assert.equal(l.flags, parseInt(flags, 16));
      assert.deepEqual(
        { ...l.attributes },
        { command: 'SET', key: `user:${i}`, duration_us: 40 + i, result: 'OK',
          client_addr: '127.0.0.1:50000', 'code.namespace': 'ferrite::commands::strings' });
      assert.ok(BigInt(l.timeUnixNano) > 0n && BigInt(l.observedTimeUnixNano) >= BigInt(l.timeUnixNano) - 1000000n);
      // The same ids are on the command span the receiver got.
      assert.ok(spans.some((s) => s.traceId === traceId && s.spanId === spanId),
        `no span ${traceId}/${spanId} among ${spans.length}`);
      assert.equal(l.resource['service.name'], 'ferrite');
      assert.equal(l.scope.name, spans[0].scope.name);
    });
    const warn = logs.find((l) => l.body === 'no trace here 42');
    assert.ok(warn);
    assert.equal(warn.severityNumber, 13);
    assert.equal(warn.severityText, 'WARN');
    assert.equal(warn.traceId, '');
    assert.equal(warn.spanId, '');
    assert.equal(warn.attributes['code.namespace'], 'ferrite::server');
    // Every JSON line the logger wrote parses and has the seed's shape; traced lines carry the ids.
    const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter((s) => s.length > 0);
    const parsed = lines.map((s) => JSON.parse(s));
    const cmdLines = parsed.filter((p) => p.message === 'Command executed');
    assert.equal(cmdLines.length, 4);
    cmdLines.forEach((p, i) => {
      assert.deepEqual(Object.keys(p), ['timestamp', 'level', 'target', 'message', 'trace_id', 'span_id', 'fields']);
      assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(p.level, 'DEBUG');
      assert.equal(p.trace_id, commands[i].traceId);
      assert.equal(p.span_id, commands[i].spanId);
      assert.equal(p.fields.duration_us, 40 + i);
    });
  });
}

test('per-signal OTEL_EXPORTER_OTLP_LOGS_* settings: endpoint, protocol, headers, gzip', async () => {
  const { out } = await drive(['--config', writeConfig(BASE), '--commands', '2'], {
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `http://127.0.0.1:${rx.httpPort}/custom/v1/logs`,
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-logs-token=abc',
    OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
  });
  assert.equal(out.flushed, true);
  const reqs = rx.logRequests();
  assert.ok(reqs.length >= 1);
  for (const r of reqs) {
    assert.equal(r.transport, 'http');
    assert.equal(r.path, '/custom/v1/logs');
    assert.equal(r.headers['x-logs-token'], 'abc');
    assert.equal(r.contentEncoding, 'gzip');
    assert.equal(r.contentType, 'application/x-protobuf');
  }
  assert.equal(rx.logs().filter((l) => l.body === 'Command executed').length, 2);
  // Traces still went over gRPC without those headers.
  assert.ok(rx.requests().length >= 1);
  assert.ok(rx.requests().every((r) => r.transport === 'grpc' && !r.metadata['x-logs-token']));
});

test('OTEL_BLRP_MAX_QUEUE_SIZE bounds the queue: a flood drops and counts, never blocks', async () => {
  const { out } = await drive(['--config', writeConfig(BASE), '--commands', '1', '--flood', '20000',
    '--log-file', path.join(TMP, 'flood.jsonl')], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`,
    OTEL_BLRP_MAX_QUEUE_SIZE: '64',
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '16',
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
  });
  assert.equal(out.flushed, true);
  // Every record was either exported or counted as dropped by one of the two queues. The logger
  // adds its own "dropped N log records" notices (at most one a second, plus one at the end).
  const total = 1 + 1 + 20000;
  const accounted = out.logs_exported + out.logs_dropped + out.logger_dropped;
  assert.ok(accounted >= total && accounted <= total + 5, JSON.stringify(out));
  assert.ok(out.logs_dropped > 0, JSON.stringify(out));
  assert.equal(rx.logs().length, out.logs_exported);
  assert.ok(rx.logRequests().every((r) => r.logs.length <= 16));
});

test('OTEL_LOGS_EXPORTER=none and logs_enabled=false export no logs', async () => {
  let { out } = await drive(['--config', writeConfig(BASE), '--commands', '2'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}`, OTEL_LOGS_EXPORTER: 'none',
  });
  assert.equal(out.logs_exported, 0);
  ({ out } = await drive(['--config', writeConfig(BASE.replace('logs_enabled = true', 'logs_enabled = false')),
    '--commands', '2'], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${rx.grpcPort}` }));
  assert.equal(out.logs_exported, 0);
  assert.equal(rx.logRequests().length, 0);
  assert.ok(rx.spans().length > 0);
});
