#!/usr/bin/env node
// A do-nothing OTLP/HTTP receiver for bench/telemetry_impact.sh: it reads and discards every
// request body without decoding it (so its CPU stays low and out of Ferrite's way) and answers
// 200 with an empty protobuf body, which is a valid Export{Trace,Metrics,Logs}ServiceResponse.
// POST /v1/traces, /v1/metrics, /v1/logs are accepted; GET /stats returns the counts as JSON.
//
// Usage: node bench/otlp_sink.js <port>     (prints "listening <port>" once ready)
'use strict';
const http = require('node:http');

const port = Number(process.argv[2] || 4318);
const stats = {requests: 0, bytes: 0, traces: 0, metrics: 0, logs: 0, other: 0};

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    const cpu = process.cpuUsage();
    const body = JSON.stringify({...stats, cpu_s: (cpu.user + cpu.system) / 1e6});
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(body);
    return;
  }
  let n = 0;
  req.on('data', (chunk) => { n += chunk.length; });
  req.on('end', () => {
    stats.requests++;
    stats.bytes += n;
    if (req.url === '/v1/traces') stats.traces++;
    else if (req.url === '/v1/metrics') stats.metrics++;
    else if (req.url === '/v1/logs') stats.logs++;
    else stats.other++;
    if (req.method !== 'POST') {
      res.writeHead(405);
      res.end();
      return;
    }
    res.writeHead(200, {'content-type': 'application/x-protobuf', 'content-length': '0'});
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log(JSON.stringify(stats));
    process.exit(0);
  });
}
