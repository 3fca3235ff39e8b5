// The OTLP metrics push end to end: metrics_push sends one export over each protocol (gRPC,
// HTTP/protobuf, HTTP/JSON) through Ferrite's real transports to this receiver, which decodes
// it with @opentelemetry/otlp-transformer@0.208.0's protobufjs root (JSON.parse for JSON).
//   node push_metrics_test.js <metrics_push> <tests/node_modules>
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const { execFile } = require('node:child_process');

const [pushBin, nodeModules] = process.argv.slice(2);
const req = (m) => require(path.resolve(nodeModules, m));
const grpc = req('@grpc/grpc-js');
const root = req('@opentelemetry/otlp-transformer/build/src/generated/root');
const MetricsV1 = root.opentelemetry.proto.collector.metrics.v1;
const METHOD = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

const received = [];

function summarize(msg, via) {
  const rm = msg.resourceMetrics[0];
  const metrics = rm.scopeMetrics[0].metrics;
  received.push({
    via,
    resource: Object.fromEntries(rm.resource.attributes.map((kv) => [kv.key, kv.value.stringValue])),
    names: metrics.map((m) => m.name),
    commands: metrics.find((m) => m.name === 'ferrite.commands.total'),
    duration: metrics.find((m) => m.name === 'ferrite.command.duration'),
  });
}

function run(args) {
  return new Promise((resolve) => execFile(pushBin, args, (err, stdout, stderr) =>
    resolve({ code: err ? err.code : 0, stdout, stderr })));
}

(async () => {
  const server = new grpc.Server();
  const id = (b) => b;
  server.addService({ Export: { path: METHOD, requestStream: false, responseStream: false,
    requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } }, {
    Export(call, cb) {
      assert.equal(call.metadata.get('x-test-header')[0], 'metrics');
      summarize(MetricsV1.ExportMetricsServiceRequest.decode(call.request), 'grpc');
      cb(null, Buffer.from(MetricsV1.ExportMetricsServiceResponse.encode({}).finish()));
    },
  });
  const grpcPort = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));

  const httpServer = http.createServer((r, w) => {
    const chunks = [];
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => {
      const body = Buffer.concat(chunks);
      assert.equal(r.url, '/v1/metrics');
      assert.equal(r.headers['x-test-header'], 'metrics');
      if ((r.headers['content-type'] || '').startsWith('application/json')) {
        const j = JSON.parse(body.toString());
        // Map OTLP/JSON onto the protobufjs shape for the shared checks (hex ids stay strings).
        summarize(MetricsV1.ExportMetricsServiceRequest.fromObject(j), 'http/json');
        w.writeHead(200, { 'Content-Type': 'application/json' });
        w.end('{}');
      } else {
        assert.equal(r.headers['content-type'], 'application/x-protobuf');
        summarize(MetricsV1.ExportMetricsServiceRequest.decode(body), 'http/protobuf');
        w.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
        w.end(Buffer.from(MetricsV1.ExportMetricsServiceResponse.encode({}).finish()));
      }
    });
  });
  const httpPort = await new Promise((res) => httpServer.listen(0, '127.0.0.1',
    () => res(httpServer.address().port)));

  const cases = [
    ['grpc', `http://127.0.0.1:${grpcPort}`],
    ['http/protobuf', `http://127.0.0.1:${httpPort}`],
    ['http/json', `http://127.0.0.1:${httpPort}`],
  ];
  for (const [protocol, endpoint] of cases) {
    const r = await run([protocol, endpoint]);
    assert.equal(r.code, 0, `${protocol}: ${r.stdout} ${r.stderr}`);
  }
  server.forceShutdown();
  httpServer.close();

  assert.deepEqual(received.map((r) => r.via), ['grpc', 'http/protobuf', 'http/json']);
  for (const r of received) {
    assert.equal(r.resource['service.name'], 'ferrite', r.via);
    assert.equal(r.resource['deployment.environment'], 'test', r.via);
    assert.equal(r.names.length, 23, r.via);
    assert.ok(r.names.includes('ferrite.aof.sync.duration'), r.via);
    assert.ok(r.commands.sum.isMonotonic, r.via);
    assert.equal(r.commands.sum.aggregationTemporality, 2, r.via);
    assert.equal(r.commands.unit, '{commands}', r.via);
    const pts = r.commands.sum.dataPoints.map((dp) => [dp.attributes[0].value.stringValue, Number(dp.asInt)]);
    assert.deepEqual(pts, [['CMD0', 11], ['CMD3 SUB', 4], ['unknown', 1]], r.via);
    const cmd0 = r.duration.histogram.dataPoints.find((dp) => dp.attributes[0].value.stringValue === 'CMD0');
    assert.equal(Number(cmd0.count), 20, r.via);
    assert.equal(cmd0.exemplars.length, 1, r.via);
  }
  console.log('otlp metrics push over grpc, http/protobuf, http/json: ok');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
