// Starts the real ferrite binary on a free loopback port for node's test runner, and stops it
// with SIGTERM (the exit code must be 0). The binary comes from FERRITE_BIN (set by ctest).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (data.endsWith('\r\n')) done(data === '+PONG\r\n');
    });
  });
}

export class Ferrite {
  constructor(binary = process.env.FERRITE_BIN) {
    if (!binary) throw new Error('FERRITE_BIN is not set');
    this.binary = binary;
    this.port = null;
    this.proc = null;
    this.log = '';
  }

  async start(port) {
    this.port = port ?? (await freePort());
    this.proc = spawn(this.binary, ['--port', String(this.port), '--bind', '127.0.0.1',
      '--threads', '2', '--dir', mkdtempSync(join(tmpdir(), 'ferrite-node-'))], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The Prometheus endpoint's fixed default port would collide between test servers.
      env: { FERRITE_METRICS_ENABLED: 'false', ...process.env },
    });
    const child = this.proc;
    process.on('exit', () => child.kill('SIGKILL'));  // never leave a server behind
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) =>
      resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break;
      if (await ping(this.port)) return this;
      await sleep(50);
    }
    this.proc.kill('SIGKILL');
    throw new Error(`ferrite did not answer PING on ${this.port}: ${this.log}`);
  }

  // SIGTERM; resolves to the exit code, rejects when the process outlives the timeout.
  async stop(timeoutMs = 10000) {
    if (!this.proc) return null;
    this.proc.kill('SIGTERM');
    const timer = sleep(timeoutMs).then(() => 'timeout');
    const result = await Promise.race([this.exited, timer]);
    if (result === 'timeout') {
      this.proc.kill('SIGKILL');
      throw new Error('ferrite did not exit within the timeout after SIGTERM');
    }
    this.proc = null;
    return result.code;
  }
}
