// Decodes metrics_dump's OTLP bytes with an independent decoder (the protobufjs root generated
// from opentelemetry-proto that @opentelemetry/otlp-transformer@0.208.0 ships, the same one
// tests/otel/receiver.js uses) and checks every metric's type, unit, temporality, attributes
// and exemplars.
//   node decode_metrics.js <path to metrics_dump> <tests/node_modules>
'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const [dump, nodeModules] = process.argv.slice(2);
const root = require(path.resolve(nodeModules, '@opentelemetry/otlp-transformer/build/src/generated/root'));
const Request = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
const CUMULATIVE = 2, DELTA = 1;

function decode(...args) {
  const bytes = execFileSync(dump, ['otlp', ...args], { maxBuffer: 64 << 20 });
  const req = Request.decode(bytes);
  // Round trip: protobufjs re-encodes to a message that decodes the same (no unknown fields lost).
  assert.deepEqual(Request.decode(Request.encode(req).finish()).toJSON(), req.toJSON());
  assert.equal(req.resourceMetrics.length, 1);
  const rm = req.resourceMetrics[0];
  const attrs = Object.fromEntries(rm.resource.attributes.map((kv) => [kv.key, kv.value.stringValue]));
  assert.equal(attrs['service.name'], 'ferrite');
  assert.equal(rm.scopeMetrics.length, 1);
  assert.equal(rm.scopeMetrics[0].scope.name, 'ferrite');
  assert.equal(rm.scopeMetrics[0].scope.version, '0.1.0');
  const byName = new Map();
  for (const m of rm.scopeMetrics[0].metrics) {
    assert.ok(!byName.has(m.name), `duplicate metric ${m.name}`);
    byName.set(m.name, m);
  }
  return byName;
}

function kind(m) {
  if (m.gauge) return 'gauge';
  if (m.sum) return m.sum.isMonotonic ? 'counter' : 'updown';
  if (m.histogram) return 'histogram';
  return 'none';
}
const num = (dp) => (dp.asInt !== undefined && dp.asInt !== null && dp.value === 'asInt'
  ? Number(dp.asInt) : dp.asDouble);
const attr = (dp, key) => (dp.attributes.find((kv) => kv.key === key) || {}).value?.stringValue;
const hex = (b) => Buffer.from(b).toString('hex');

// The seed's table (name, type, unit) plus the self-metrics and error counts.
const seed = [
  ['ferrite.commands.total', 'counter', '{commands}'],
  ['ferrite.command.duration', 'histogram', 's'],
  ['ferrite.memory.used', 'gauge', 'By'],
  ['ferrite.memory.max', 'gauge', 'By'],
  ['ferrite.connections.active', 'gauge', '{connections}'],
  ['ferrite.connections.total', 'counter', '{connections}'],
  ['ferrite.cache.hit.rate', 'gauge', '1'],
  ['ferrite.cache.hits.total', 'counter', '{hits}'],
  ['ferrite.cache.misses.total', 'counter', '{misses}'],
  ['ferrite.hybridlog.tier.size', 'gauge', 'By'],
  ['ferrite.keys.total', 'gauge', '{keys}'],
  ['ferrite.keys.expired.total', 'counter', '{keys}'],
  ['ferrite.keys.evicted.total', 'counter', '{keys}'],
  ['ferrite.network.bytes.received', 'counter', 'By'],
  ['ferrite.network.bytes.sent', 'counter', 'By'],
  ['ferrite.replication.lag', 'gauge', 'By'],
  ['ferrite.aof.sync.duration', 'histogram', 's'],
  ['ferrite.epoch.current', 'gauge', '{epoch}'],
  ['ferrite.errors.total', 'counter', '{errors}'],
  ['ferrite.telemetry.exported.total', 'counter', '{items}'],
  ['ferrite.telemetry.dropped.total', 'counter', '{items}'],
  ['ferrite.telemetry.failed.total', 'counter', '{items}'],
  ['ferrite.telemetry.queue.length', 'gauge', '{items}'],
];

// --- cumulative, seed names ---
let m = decode('cumulative', 'seed');
for (const [name, type, unit] of seed) {
  const metric = m.get(name);
  assert.ok(metric, `missing ${name}`);
  assert.equal(kind(metric), type, name);
  assert.equal(metric.unit, unit, name);
  assert.ok(metric.description.length > 0, name);
  const body = metric.sum || metric.histogram;
  if (body) assert.equal(body.aggregationTemporality, CUMULATIVE, name);
}
assert.equal(m.size, seed.length);

const commands = m.get('ferrite.commands.total').sum.dataPoints;
assert.deepEqual(commands.map((dp) => [attr(dp, 'command'), num(dp)]),
  [['CMD0', 11], ['CMD3 SUB', 4], ['unknown', 1]]);
for (const dp of commands) {
  assert.ok(Number(dp.startTimeUnixNano) > 0 && Number(dp.startTimeUnixNano) <= Number(dp.timeUnixNano));
}
const tiers = m.get('ferrite.hybridlog.tier.size').gauge.dataPoints;
assert.deepEqual(tiers.map((dp) => [attr(dp, 'tier'), num(dp)]),
  [['mutable', 4096], ['read_only', 2048], ['disk', 1048576]]);
assert.equal(m.get('ferrite.cache.hit.rate').gauge.dataPoints[0].asDouble, 0.8);
assert.deepEqual(m.get('ferrite.keys.total').gauge.dataPoints.map((dp) => [attr(dp, 'db'), num(dp)]),
  [['0', 5], ['1', 0]]);
const lag = m.get('ferrite.replication.lag').gauge.dataPoints;
assert.equal(lag.length, 1);
assert.equal(lag[0].attributes.length, 0);
assert.equal(num(lag[0]), 0);
assert.deepEqual(m.get('ferrite.errors.total').sum.dataPoints.map((dp) => [attr(dp, 'error.type'), num(dp)]),
  [['ERR', 3], ['WRONGTYPE', 1]]);
assert.deepEqual(m.get('ferrite.telemetry.dropped.total').sum.dataPoints.map((dp) => [attr(dp, 'signal'), num(dp)]),
  [['traces', 2], ['logs', 0]]);

const hist = m.get('ferrite.command.duration').histogram.dataPoints;
assert.equal(hist.length, 41);  // 40 commands + unknown
for (const dp of hist) {
  assert.equal(dp.bucketCounts.length, dp.explicitBounds.length + 1);
  assert.equal(dp.explicitBounds.length, 22);
  assert.equal(dp.explicitBounds[0], 0.000001);
  assert.equal(dp.explicitBounds[21], 10);
  const total = dp.bucketCounts.reduce((a, c) => a + Number(c), 0);
  assert.equal(total, Number(dp.count));
  assert.ok(dp.sum >= 0);
}
const cmd0 = hist.find((dp) => attr(dp, 'command') === 'CMD0');
assert.equal(Number(cmd0.count), 20);
assert.equal(cmd0.exemplars.length, 1);
const ex = cmd0.exemplars[0];
assert.equal(hex(ex.traceId), '0102030405060708090a0b0c0d0e0f10');
assert.equal(hex(ex.spanId), '0102030405060708');
assert.equal(ex.asDouble, 500e-9);
assert.ok(Number(ex.timeUnixNano) > 1.6e18);
const unknown = hist.find((dp) => attr(dp, 'command') === 'unknown');
assert.equal(Number(unknown.count), 1);
const aof = m.get('ferrite.aof.sync.duration').histogram.dataPoints;
assert.equal(aof.length, 1);
assert.equal(Number(aof[0].count), 3);
assert.ok(Math.abs(aof[0].sum - 0.0317) < 1e-9);
assert.equal(aof[0].explicitBounds.length, 16);

// --- cumulative, current names ---
m = decode('cumulative', 'current');
assert.ok(!m.has('ferrite.commands.total'));
assert.equal(m.get('ferrite.commands').unit, '{command}');
assert.equal(kind(m.get('ferrite.active_connections')), 'updown');
assert.equal(m.get('ferrite.active_connections').sum.aggregationTemporality, CUMULATIVE);
assert.equal(kind(m.get('ferrite.db.keys')), 'updown');
assert.equal(kind(m.get('ferrite.memory.usage')), 'gauge');
assert.equal(kind(m.get('ferrite.cache.hit.ratio')), 'gauge');
assert.equal(kind(m.get('ferrite.command.duration')), 'histogram');

// --- both ---
m = decode('cumulative', 'both');
assert.ok(m.has('ferrite.commands.total') && m.has('ferrite.commands'));
assert.ok(m.has('ferrite.memory.used') && m.has('ferrite.memory.usage'));

// --- delta: the second export holds only the one command recorded in between ---
m = decode('delta', 'seed');
const dh = m.get('ferrite.command.duration').histogram;
assert.equal(dh.aggregationTemporality, DELTA);
const d0 = dh.dataPoints.find((dp) => attr(dp, 'command') === 'CMD0');
assert.equal(Number(d0.count), 1);
assert.equal(d0.exemplars.length, 0);
assert.ok(Number(d0.startTimeUnixNano) < Number(d0.timeUnixNano));
for (const dp of dh.dataPoints) if (dp !== d0) assert.equal(Number(dp.count), 0);
assert.equal(m.get('ferrite.commands.total').sum.aggregationTemporality, DELTA);
assert.equal(num(m.get('ferrite.commands.total').sum.dataPoints[0]), 0);  // unchanged source
assert.ok(m.get('ferrite.connections.active').gauge);

m = decode('lowmemory', 'seed');
assert.equal(m.get('ferrite.command.duration').histogram.aggregationTemporality, DELTA);
assert.equal(m.get('ferrite.commands.total').sum.aggregationTemporality, CUMULATIVE);

// --- OTLP/JSON carries the same data as the protobuf encoding ---
for (const args of [['cumulative', 'seed'], ['cumulative', 'both'], ['delta', 'current']]) {
  const proto = decode(...args);
  const json = JSON.parse(execFileSync(dump, ['otlp-json', ...args], { maxBuffer: 64 << 20 }));
  const sm = json.resourceMetrics[0].scopeMetrics[0];
  assert.equal(sm.scope.name, 'ferrite');
  assert.equal(json.resourceMetrics[0].resource.attributes[0].value.stringValue, 'ferrite');
  assert.equal(sm.metrics.length, proto.size);
  for (const jm of sm.metrics) {
    const pm = proto.get(jm.name);
    assert.ok(pm, jm.name);
    assert.equal(jm.unit, pm.unit);
    assert.equal(jm.description, pm.description);
    const type = ['gauge', 'sum', 'histogram'].find((t) => jm[t]);
    assert.ok(pm[type], `${jm.name}: ${type}`);
    if (type !== 'gauge') {
      assert.equal(jm[type].aggregationTemporality, pm[type].aggregationTemporality);
    }
    if (type === 'sum') assert.equal(jm.sum.isMonotonic, pm.sum.isMonotonic);
    const jp = jm[type].dataPoints, pp = pm[type].dataPoints;
    assert.equal(jp.length, pp.length, jm.name);
    for (let i = 0; i < jp.length; ++i) {
      assert.equal(typeof jp[i].timeUnixNano, 'string');  // 64-bit integers are strings
      assert.match(jp[i].timeUnixNano, /^[0-9]{19}$/);  // separate runs: times differ
      if (type === 'histogram') {
        assert.equal(jp[i].count, String(pp[i].count));
        assert.deepEqual(jp[i].bucketCounts, pp[i].bucketCounts.map(String));
        assert.deepEqual(jp[i].explicitBounds, pp[i].explicitBounds);
        assert.equal(jp[i].sum, pp[i].sum);
        assert.deepEqual(jp[i].exemplars.map((e) => e.traceId), pp[i].exemplars.map((e) => hex(e.traceId)));
        assert.deepEqual(jp[i].exemplars.map((e) => e.spanId), pp[i].exemplars.map((e) => hex(e.spanId)));
      } else if (jp[i].asInt !== undefined) {
        assert.equal(jp[i].asInt, String(num(pp[i])));
      } else {
        assert.equal(jp[i].asDouble, pp[i].asDouble);
      }
      assert.deepEqual((jp[i].attributes || []).map((a) => [a.key, a.value.stringValue]),
        pp[i].attributes.map((a) => [a.key, a.value.stringValue]));
    }
  }
}

console.log('otlp metrics decode: ok');
