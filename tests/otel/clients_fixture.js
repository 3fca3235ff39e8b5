'use strict';
// Runs one client-helper scenario against a RESP server and prints the spans the application
// recorded (InMemorySpanExporter) as JSON. Used by clients.test.js and e2e.test.js.
// Usage: node clients_fixture.js <ioredis|ioredis-instrumented|node-redis> <port>

const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [scenario, port] = process.argv.slice(2);
const exporter = new InMemorySpanExporter();
const processors = [new SimpleSpanProcessor(exporter)];
if (process.env.OTLP_HTTP_URL) {
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  processors.push(new SimpleSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_HTTP_URL })));
}
const { resourceFromAttributes } = require('@opentelemetry/resources');
const provider = new NodeTracerProvider({
  spanProcessors: processors,
  resource: resourceFromAttributes({ 'service.name': 'my-node-app' }),
});
provider.register();

let instrumentation = null;
if (scenario === 'ioredis-instrumented') {
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis');
  instrumentation = new IORedisInstrumentation();
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
}
const helper = require('../../clients/node');
const tracer = api.trace.getTracer('my-node-app');

async function main() {
  let client;
  if (scenario.startsWith('ioredis')) {
    const Redis = require('ioredis');
    helper.instrumentIoredis(Redis, { instrumentation });
    client = new Redis({ host: '127.0.0.1', port: Number(port), lazyConnect: true });
    await client.connect();
  } else {
    const { createClient } = require('redis');
    client = helper.instrumentNodeRedis(createClient({ url: `redis://127.0.0.1:${port}` }));
    await client.connect();
  }
  await client.get('outside:span');  // no active span: nothing injected
  await tracer.startActiveSpan('handle-user-request', async (span) => {
    await client.set('user:123:session', 'session-data');
    await client.get('user:123:session');
    span.end();
  });
  if (scenario.startsWith('ioredis')) client.disconnect(); else await client.quit();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans().map((s) => ({
    name: s.name, kind: s.kind, traceId: s.spanContext().traceId, spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : '',
  }));
  process.stdout.write(JSON.stringify(spans) + '\n');
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
