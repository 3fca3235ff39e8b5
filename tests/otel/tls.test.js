'use strict';
// OTLP over TLS end to end: a real Ferrite exports to the test receiver serving only TLS, with a
// certificate authority generated for this run by the openssl CLI. For OTLP/gRPC and
// OTLP/HTTP (protobuf) the receiver demands a client certificate (mTLS), so spans arrive only
// when Ferrite verified the server against the configured CA file (`certificate`) and
// presented its own (`client_certificate`, `client_key`). Two negative runs show the checks
// are real: with the CA left out (system roots) Ferrite cannot verify the receiver, and
// without a client certificate the receiver refuses Ferrite; neither delivers a span.
//
// Needs the server: FERRITE_BIN=/path/to/ferrite node --test otel/tls.test.js (from tests/).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn, execFileSync } = require('node:child_process');
const { startReceiver } = require('./receiver');
const { freePort, waitForPort } = require('./ports');

const BIN = process.env.FERRITE_BIN;
const skip = BIN ? false : 'FERRITE_BIN is not set';

async function waitFor(pred, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

// Sends one RESP command and resolves with the first reply line.
function command(port, args) {
  const payload = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) { s.end(); resolve(buf.split('\r\n')[0]); }
    });
    s.on('error', reject);
  });
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA.
function makePki(dir) {
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=ferrite-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name, cn, ext) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ferrite-client', 'extendedKeyUsage=clientAuth\n');
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir, ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'),
    caFile: path.join(dir, 'ca.crt'), clientCert: path.join(dir, 'client.crt'), clientKey: path.join(dir, 'client.key'),
  };
}

// Runs Ferrite against `rx` with the given [telemetry] TLS lines, sends a SET and returns the
// receiver's ferrite.command spans for it after waiting up to `ms`.
async function exportOnce(rx, protocol, tlsLines, key, ms) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-tls-'));
  const endpoint = `https://127.0.0.1:${protocol === 'grpc' ? rx.grpcPort : rx.httpPort}`;
  fs.writeFileSync(path.join(dir, 'ferrite.toml'), '[metrics]\nenabled = false\n\n[telemetry]\nenabled = true\n' +
    `endpoint = "${endpoint}"\nprotocol = "${protocol}"\nbatch_timeout_ms = 100\n` +
    'sample_rate = 1.0\nmetrics_enabled = false\nlogs_enabled = false\ntimeout_ms = 2000\n' + tlsLines);
  const server = spawn(BIN, ['--config', path.join(dir, 'ferrite.toml'), '--port', String(port), '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForPort(port);
    assert.equal(await command(port, ['SET', key, 'v']), '+OK');
    const mine = () => rx.spans().filter((s) => s.name === 'ferrite.command' && s.attributes['ferrite.command.key'] === key);
    await waitFor(() => mine().length > 0, ms);
    return mine();
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const protocol of ['grpc', 'http/protobuf']) {
  test(`OTLP ${protocol} over TLS with a private CA and a client certificate`, { skip }, async () => {
    const pki = makePki(fs.mkdtempSync(path.join(os.tmpdir(), 'ferrite-pki-')));
    const rx = await startReceiver({
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requireClientCert: true },
    });
    try {
      const mtls = `certificate = "${pki.caFile}"\nclient_certificate = "${pki.clientCert}"\n` +
        `client_key = "${pki.clientKey}"\n`;
      const spans = await exportOnce(rx, protocol, mtls, `tls:${protocol}`, 15000);
      assert.equal(spans.length, 1, 'the SET arrived over TLS');
      assert.equal(spans[0].attributes['db.operation'], 'SET');
      assert.equal(spans[0].resource['service.name'], 'ferrite');
      const req = rx.accepted().find((r) => r.spans.some((s) => s.attributes['ferrite.command.key'] === `tls:${protocol}`));
      if (protocol === 'grpc') {
        assert.equal(req.transport, 'grpc');
      } else {
        assert.equal(req.transport, 'https');
        assert.equal(req.clientCertSubject, 'ferrite-client', 'the client certificate was presented');
      }

      // Without the CA file Ferrite cannot verify the receiver's certificate.
      const noCa = await exportOnce(rx, protocol, `client_certificate = "${pki.clientCert}"\n` +
        `client_key = "${pki.clientKey}"\n`, `noca:${protocol}`, 2500);
      assert.equal(noCa.length, 0, 'an unverifiable server got spans');
      // Without a client certificate the receiver refuses the connection.
      const noClient = await exportOnce(rx, protocol, `certificate = "${pki.caFile}"\n`, `nocert:${protocol}`, 2500);
      assert.equal(noClient.length, 0, 'spans got through mTLS without a client certificate');
    } finally {
      await rx.close();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
}
