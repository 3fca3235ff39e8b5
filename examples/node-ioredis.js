'use strict';
// The seed's Node.js example, adapted: the app's spans go to an OTLP collector, ioredis is
// auto-instrumented, and @ferrite/otel-redis (clients/node) sends the context to Ferrite so
// Ferrite's spans become children of the ioredis spans.

const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis');

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'my-node-app' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
const instrumentation = new IORedisInstrumentation();
instrumentation.setTracerProvider(provider);
instrumentation.enable();

const Redis = require('ioredis');
const { instrumentIoredis } = require('../clients/node');
instrumentIoredis(Redis, { instrumentation });

const client = new Redis({
  host: process.env.FERRITE_HOST || '127.0.0.1',
  port: Number(process.env.FERRITE_PORT || 6379),
});
const tracer = api.trace.getTracer('my-node-app');

async function handleRequest(userId) {
  return tracer.startActiveSpan('handle-user-request', async (span) => {
    try {
      span.setAttribute('user.id', userId);
      await client.set(`user:${userId}:session`, 'session-data', 'EX', 3600);
      const session = await client.get(`user:${userId}:session`);
      await client.hset(`user:${userId}:profile`, { name: 'Alice', email: 'alice@example.com' });
      console.log('trace id', span.spanContext().traceId);
      return session;
    } finally {
      span.end();
    }
  });
}

handleRequest('123')
  .then(() => client.quit())
  .then(() => provider.shutdown())
  .catch((e) => { console.error(e); process.exit(1); });
