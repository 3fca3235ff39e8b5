'use strict';
// An OTLP trace receiver for Ferrite's integration tests.
//
// It decodes what it receives with an independent decoder: the protobufjs root generated from
// the official opentelemetry-proto schema that ships in @opentelemetry/otlp-transformer@0.208.0
// (OTLP/gRPC via @grpc/grpc-js and OTLP/HTTP protobuf via Node's http module), and JSON.parse
// for OTLP/HTTP JSON. Every request is recorded with its transport details (path, headers or
// metadata, content type and encoding) and its spans, normalised to one shape:
//   { traceId, spanId, parentSpanId (hex, '' for roots), traceState, name, kind (number),
//     startTimeUnixNano, endTimeUnixNano (strings), attributes {key: value}, status {code,
//     message}, flags (number), resource {key: value}, scope {name, version, schemaUrl} }
//
// Fault modes (for retries and slow / rejecting collectors), applied to the next `count`
// requests (count -1 = all): 'unavailable' (gRPC UNAVAILABLE with a RetryInfo delay) /
// 'http503' (with Retry-After), 'slow' (answer after delayMs), 'reject' (gRPC
// INVALID_ARGUMENT / HTTP 400), 'partial' (success with partial_success).
//
// Logs (LogsService/Export over gRPC, POST .../v1/logs over HTTP) are decoded the same way and
// kept apart from the trace requests: r.logRequests(), r.logs() (normalised by normaliseLogs:
// { timeUnixNano, observedTimeUnixNano, severityNumber, severityText, body, attributes,
//   traceId, spanId, flags, resource, scope }). Fault modes apply to trace requests only.
//
// Use in-process: const r = await startReceiver(); ... r.spans(); r.setFault({...}); r.close()
// or standalone: `node receiver.js` prints {"grpcPort","httpPort","controlPort"} and serves a
// control API: GET /requests, GET /spans, POST /reset, POST /fault (JSON body).

const http = require('node:http');
const https = require('node:https');
const http2 = require('node:http2');
const zlib = require('node:zlib');
const grpc = require('@grpc/grpc-js');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const TraceV1 = root.opentelemetry.proto.collector.trace.v1;
const GRPC_METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const LogsV1 = root.opentelemetry.proto.collector.logs.v1;
const LOGS_GRPC_METHOD = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

const b64ToHex = (s) => (s ? Buffer.from(s, 'base64').toString('hex') : '');

function anyValue(v) {
  if (v === undefined || v === null) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return { bytes: v.bytesValue };
  if ('arrayValue' in v) return (v.arrayValue.values || []).map(anyValue);
  return null;
}

function attrs(list) {
  const out = {};
  for (const kv of list || []) out[kv.key] = anyValue(kv.value);
  return out;
}

// `idsAreHex`: OTLP/JSON carries hex ids; protobuf toObject gives base64.
function normalise(req, idsAreHex) {
  const id = idsAreHex ? (s) => (s || '').toLowerCase() : b64ToHex;
  const spans = [];
  for (const rs of req.resourceSpans || []) {
    const resource = attrs(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      const scope = {
        name: ss.scope && ss.scope.name,
        version: ss.scope && ss.scope.version,
        schemaUrl: ss.schemaUrl || '',
        resourceSchemaUrl: rs.schemaUrl || '',
      };
      for (const s of ss.spans || []) {
        spans.push({
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: id(s.parentSpanId),
          traceState: s.traceState || '',
          name: s.name,
          kind: Number(s.kind || 0),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          droppedAttributesCount: Number(s.droppedAttributesCount || 0),
          status: { code: Number((s.status && s.status.code) || 0), message: (s.status && s.status.message) || '' },
          flags: Number(s.flags || 0),
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

function normaliseLogs(req, idsAreHex) {
  const id = idsAreHex ? (s) => (s || '').toLowerCase() : b64ToHex;
  const logs = [];
  for (const rl of req.resourceLogs || []) {
    const resource = attrs(rl.resource && rl.resource.attributes);
    for (const sl of rl.scopeLogs || []) {
      const scope = {
        name: sl.scope && sl.scope.name,
        version: sl.scope && sl.scope.version,
        schemaUrl: sl.schemaUrl || '',
        resourceSchemaUrl: rl.schemaUrl || '',
      };
      for (const l of sl.logRecords || []) {
        logs.push({
          timeUnixNano: String(l.timeUnixNano || '0'),
          observedTimeUnixNano: String(l.observedTimeUnixNano || '0'),
          severityNumber: Number(l.severityNumber || 0),
          severityText: l.severityText || '',
          body: anyValue(l.body),
          attributes: attrs(l.attributes),
          traceId: id(l.traceId),
          spanId: id(l.spanId),
          flags: Number(l.flags || 0),
          resource,
          scope,
        });
      }
    }
  }
  return logs;
}

function decodeLogsProto(buf) {
  const msg = LogsV1.ExportLogsServiceRequest.decode(buf);
  const obj = LogsV1.ExportLogsServiceRequest.toObject(msg, {
    longs: String, enums: Number, bytes: String, defaults: false,
  });
  return normaliseLogs(obj, false);
}

function decodeProto(buf) {
  const msg = TraceV1.ExportTraceServiceRequest.decode(buf);
  const obj = TraceV1.ExportTraceServiceRequest.toObject(msg, {
    longs: String, enums: Number, bytes: String, defaults: false,
  });
  return normalise(obj, false);
}

// google.rpc.Status{code=1, message=2, details=3 Any{type_url=1, value=2 RetryInfo{1: Duration}}}
function retryInfoStatus(code, message, delayMs) {
  const w = new (require('protobufjs').Writer)();
  const dur = new (require('protobufjs').Writer)();
  dur.uint32(8).int64(Math.floor(delayMs / 1000)).uint32(16).int32((delayMs % 1000) * 1e6);
  const info = new (require('protobufjs').Writer)();
  info.uint32(10).bytes(dur.finish());
  const any = new (require('protobufjs').Writer)();
  any.uint32(10).string('type.googleapis.com/google.rpc.RetryInfo').uint32(18).bytes(info.finish());
  w.uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any.finish());
  return Buffer.from(w.finish());
}

async function startReceiver(options = {}) {
  const requests = [];
  const logRequests = [];
  let fault = { mode: 'none', count: 0 };

  const takeFault = () => {
    if (fault.mode === 'none' || fault.count === 0) return null;
    if (fault.count > 0) fault.count -= 1;
    return fault;
  };
  // Requests still in flight when reset() runs (slow mode) belong to the previous test: drop them.
  let generation = 0;
  const record = (entry) => {
    if (entry.generation !== generation) return;
    entry.index = requests.length;
    entry.time = Date.now();
    requests.push(entry);
  };

  // ---- gRPC ----
  const server = new grpc.Server();
  const service = {
    Export: {
      path: GRPC_METHOD,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b) => b,
      requestDeserialize: (b) => b,
      responseSerialize: (b) => b,
      responseDeserialize: (b) => b,
    },
  };
  server.addService(service, {
    Export(call, callback) {
      const md = call.metadata.getMap();
      const f = takeFault();
      const entry = { transport: 'grpc', path: GRPC_METHOD, metadata: md, bytes: call.request.length, generation };
      if (f && f.mode === 'unavailable') {
        entry.fault = 'unavailable';
        record(entry);
        const trailer = new grpc.Metadata();
        if (f.retryDelayMs !== undefined)
          trailer.set('grpc-status-details-bin', retryInfoStatus(14, 'try later', f.retryDelayMs));
        return callback({ code: grpc.status.UNAVAILABLE, details: 'try later', metadata: trailer });
      }
      if (f && f.mode === 'reject') {
        entry.fault = 'reject';
        record(entry);
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'rejected by test' });
      }
      let spans;
      try {
        spans = decodeProto(call.request);
      } catch (e) {
        entry.decodeError = String(e);
        record(entry);
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: String(e) });
      }
      const respond = () => {
        entry.spans = spans;
        record(entry);
        let resp = Buffer.alloc(0);
        if (f && f.mode === 'partial') {
          entry.fault = 'partial';
          resp = Buffer.from(TraceV1.ExportTraceServiceResponse.encode(
            { partialSuccess: { rejectedSpans: 1, errorMessage: 'one span rejected by test' } }).finish());
        }
        callback(null, resp);
      };
      if (f && f.mode === 'slow') {
        entry.fault = 'slow';
        setTimeout(respond, f.delayMs || 1000);
      } else {
        respond();
      }
    },
  });
  const logsService = {
    Export: { ...service.Export, path: LOGS_GRPC_METHOD },
  };
  server.addService(logsService, {
    Export(call, callback) {
      const entry = { transport: 'grpc', path: LOGS_GRPC_METHOD, metadata: call.metadata.getMap(), bytes: call.request.length, time: Date.now() };
      try {
        entry.logs = decodeLogsProto(call.request);
      } catch (e) {
        entry.decodeError = String(e);
        logRequests.push(entry);
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: String(e) });
      }
      logRequests.push(entry);
      callback(null, Buffer.alloc(0));
    },
  });
  // options.tls = { key, cert, ca, requireClientCert } (PEM): gRPC and HTTP serve TLS only,
  // verifying the client's certificate against `ca` when requireClientCert is set.
  const tls = options.tls;
  const grpcCreds = tls
    ? grpc.ServerCredentials.createSsl(tls.requireClientCert ? Buffer.from(tls.ca) : null,
      [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }], !!tls.requireClientCert)
    : grpc.ServerCredentials.createInsecure();
  const grpcPort = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpcCreds, (err, port) =>
      (err ? reject(err) : resolve(port))));

  // ---- HTTP ----
  const handleHttp = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const ctype = req.headers['content-type'] || '';
      const entry = {
        transport: tls ? 'https' : 'http', method: req.method, path: req.url, headers: req.headers,
        clientCertSubject: req.socket.getPeerCertificate ? (req.socket.getPeerCertificate().subject || {}).CN || '' : '',
        contentType: ctype, contentEncoding: req.headers['content-encoding'] || '', bytes: body.length,
        generation,
      };
      const json = ctype.startsWith('application/json');
      if ((req.url || '').split('?')[0].endsWith('/v1/logs')) {
        entry.time = Date.now();
        delete entry.generation;
        try {
          if (entry.contentEncoding === 'gzip') body = zlib.gunzipSync(body);
          entry.logs = json ? normaliseLogs(JSON.parse(body.toString('utf8')), true) : decodeLogsProto(body);
        } catch (e) {
          entry.decodeError = String(e);
          logRequests.push(entry);
          res.writeHead(400);
          return res.end();
        }
        logRequests.push(entry);
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        return res.end(json ? '{}' : Buffer.alloc(0));
      }
      const f = takeFault();
      if (f && f.mode === 'http503') {
        entry.fault = 'http503';
        record(entry);
        const h = { 'content-type': ctype || 'application/x-protobuf' };
        if (f.retryAfter !== undefined) h['retry-after'] = String(f.retryAfter);
        res.writeHead(f.status || 503, h);
        return res.end();
      }
      if (f && f.mode === 'reject') {
        entry.fault = 'reject';
        record(entry);
        res.writeHead(400, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        return res.end(json ? JSON.stringify({ code: 3, message: 'rejected by test' }) : '');
      }
      try {
        if (entry.contentEncoding === 'gzip') body = zlib.gunzipSync(body);
        entry.spans = json ? normalise(JSON.parse(body.toString('utf8')), true) : decodeProto(body);
      } catch (e) {
        entry.decodeError = String(e);
        record(entry);
        res.writeHead(400);
        return res.end();
      }
      const respond = () => {
        record(entry);
        let out;
        if (f && f.mode === 'partial') {
          entry.fault = 'partial';
          const ps = { partialSuccess: { rejectedSpans: 1, errorMessage: 'one span rejected by test' } };
          out = json ? Buffer.from(JSON.stringify({ partialSuccess: { rejectedSpans: '1', errorMessage: ps.partialSuccess.errorMessage } }))
            : Buffer.from(TraceV1.ExportTraceServiceResponse.encode(ps).finish());
        } else {
          out = json ? Buffer.from('{}') : Buffer.alloc(0);
        }
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        res.end(out);
      };
      if (f && f.mode === 'slow') {
        entry.fault = 'slow';
        setTimeout(respond, f.delayMs || 1000);
      } else {
        respond();
      }
    });
  };
  const httpServer = tls
    ? https.createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: !!tls.requireClientCert,
      rejectUnauthorized: !!tls.requireClientCert }, handleHttp)
    : http.createServer(handleHttp);
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
  const httpPort = httpServer.address().port;

  // ---- raw HTTP/2 gRPC (wire-level view) ----
  // grpc-js hides the grpc-encoding header and the per-message compressed flag, so gzip over
  // gRPC is checked on a minimal unary gRPC endpoint built on node:http2.
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const buf = Buffer.concat(chunks);
      const entry = { transport: 'grpc-raw', path: headers[':path'], metadata: { ...headers }, generation };
      try {
        const compressed = buf[0] === 1;
        const len = buf.readUInt32BE(1);
        let msg = buf.subarray(5, 5 + len);
        entry.compressedFlag = compressed;
        entry.grpcEncoding = headers['grpc-encoding'] || '';
        entry.bytes = msg.length;
        if (compressed) msg = zlib.gunzipSync(msg);
        entry.spans = decodeProto(msg);
      } catch (e) {
        entry.decodeError = String(e);
      }
      record(entry);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': entry.decodeError ? '3' : '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise((r) => h2.listen(0, '127.0.0.1', r));
  const grpcRawPort = h2.address().port;

  const api = {
    grpcPort,
    grpcRawPort,
    httpPort,
    requests: () => requests,
    accepted: () => requests.filter((r) => r.spans && !r.fault),
    spans: () => requests.flatMap((r) => r.spans || []),
    logRequests: () => logRequests,
    logs: () => logRequests.flatMap((r) => r.logs || []),
    reset: () => { requests.length = 0; logRequests.length = 0; generation += 1; fault = { mode: 'none', count: 0 }; },
    setFault: (f) => { fault = { count: -1, ...f }; },
    close: async () => {
      await new Promise((r) => server.tryShutdown(() => r()));
      server.forceShutdown();
      await new Promise((r) => httpServer.close(() => r()));
      await new Promise((r) => h2.close(() => r()));
      httpServer.closeAllConnections && httpServer.closeAllConnections();
    },
  };
  return api;
}

module.exports = {
  startReceiver, decodeProto, normalise, decodeLogsProto, normaliseLogs, GRPC_METHOD, LOGS_GRPC_METHOD,
};

if (require.main === module) {
  (async () => {
    const r = await startReceiver();
    const control = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const send = (obj) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
        if (req.method === 'GET' && req.url === '/requests') return send(r.requests());
        if (req.method === 'GET' && req.url === '/spans') return send(r.spans());
        if (req.method === 'GET' && req.url === '/logs') return send(r.logs());
        if (req.method === 'POST' && req.url === '/reset') { r.reset(); return send({ ok: true }); }
        if (req.method === 'POST' && req.url === '/fault') {
          r.setFault(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
          return send({ ok: true });
        }
        res.writeHead(404);
        res.end();
      });
    });
    const port = Number(process.env.CONTROL_PORT || 0);
    control.listen(port, '127.0.0.1', () => {
      process.stdout.write(JSON.stringify({
        grpcPort: r.grpcPort, httpPort: r.httpPort, controlPort: control.address().port,
      }) + '\n');
    });
  })();
}
