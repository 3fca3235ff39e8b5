#!/usr/bin/env python3
"""End-to-end check of Ferrite's /metrics: sends known commands, scrapes, checks the counters.

Either against a running server:
    scrape_check.py --port 6379 --metrics-port 9090
or starting one (a generated ferrite.toml enables [metrics] on a free port):
    scrape_check.py --start build/release/ferrite

Checks: counters move by exactly what was sent (commands_total and the latency histogram's
_count per command, errors by type, keys per db, connections), histogram consistency (buckets
cumulative, +Inf == _count), OpenMetrics negotiation with # EOF and exemplar syntax, the seed's
series names, and `promtool check metrics` on the live text scrape (when promtool exists).
Standard library only (Debian python3). Exit status 0 = all checks passed.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+#\s+.*)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Resp:
    """A minimal RESP2 client: enough to send commands and read one reply each."""

    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        self.buf = b''

    def _line(self):
        while b'\r\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('server closed the connection')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b'+', b':'):
            return rest.decode()
        if kind == b'-':
            return Exception(rest.decode())
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b'*':
            return [self._reply() for _ in range(int(rest))]
        raise ValueError(f'bad reply {line!r}')

    def call(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.sock.sendall(out)
        return self._reply()

    def close(self):
        self.sock.close()


def scrape(port, openmetrics=False):
    req = urllib.request.Request(f'http://127.0.0.1:{port}/metrics')
    if openmetrics:
        req.add_header('Accept', 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5')
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers.get('Content-Type'), r.read().decode()


def parse(text):
    """{(name, frozenset(labels)): value}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f'unparsable sample line: {line!r}')
        labels = frozenset(LABEL.findall(m.group(3) or ''))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Checker:
    def __init__(self):
        self.failures = 0

    def eq(self, what, got, want):
        ok = got == want
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {got}" + ('' if ok else f' (want {want})'))
        self.failures += not ok

    def true(self, what, cond):
        print(f"{'ok  ' if cond else 'FAIL'} {what}")
        self.failures += not cond


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--port', type=int, help='Redis port of a running ferrite')
    ap.add_argument('--metrics-port', type=int, help='its [metrics] port')
    ap.add_argument('--start', help='ferrite binary to start on free ports')
    args = ap.parse_args()

    proc = None
    tmp = None
    if args.start:
        tmp = tempfile.mkdtemp(prefix='ferrite-metrics-')
        args.port, args.metrics_port = free_port(), free_port()
        conf = os.path.join(tmp, 'ferrite.toml')
        with open(conf, 'w') as f:
            f.write(f'[metrics]\nenabled = true\nbind = "127.0.0.1"\nport = {args.metrics_port}\n')
        proc = subprocess.Popen([args.start, '--config', conf, '--port', str(args.port),
                                 '--bind', '127.0.0.1', '--threads', '2', '--dir', tmp],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                scrape(args.metrics_port)
                break
            except OSError:
                time.sleep(0.1)
    if not args.port or not args.metrics_port:
        ap.error('give --port and --metrics-port, or --start')

    c = Checker()
    try:
        _, before_text = scrape(args.metrics_port)
        before = parse(before_text)
        r = Resp(args.port)
        n_set, n_get, n_unknown = 25, 40, 3
        for i in range(n_set):
            r.call('SET', f'metrics:key:{i}', 'v' * 10)
        for i in range(n_get):
            r.call('GET', f'metrics:key:{i % 30}')  # 25 hits, 15 misses
        for _ in range(n_unknown):
            reply = r.call('NOSUCHCOMMAND', 'x')
            assert isinstance(reply, Exception), reply
        r.call('SELECT', '5')
        r.call('SET', 'metrics:db5', '1')
        r.call('SELECT', '0')
        r.close()
        time.sleep(0.2)  # let the server see the close
        ctype, text = scrape(args.metrics_port)
        after = parse(text)

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        c.true('text content type', ctype.startswith('text/plain; version=0.0.4'))
        c.eq('commands_total{SET} delta', delta('ferrite_commands_total', command='SET'), n_set + 1)
        c.eq('commands_total{GET} delta', delta('ferrite_commands_total', command='GET'), n_get)
        c.eq('commands_total{SELECT} delta', delta('ferrite_commands_total', command='SELECT'), 2)
        c.eq('commands_total{unknown} delta', delta('ferrite_commands_total', command='unknown'),
             n_unknown)
        c.eq('duration _count{SET} delta', delta('ferrite_command_duration_count', command='SET'),
             n_set + 1)
        c.eq('duration _count{GET} delta', delta('ferrite_command_duration_count', command='GET'),
             n_get)
        c.true('duration _sum{GET} grew', delta('ferrite_command_duration_sum', command='GET') > 0)
        c.eq('errors_total{ERR} delta', delta('ferrite_errors_total', error_type='ERR'), n_unknown)
        c.true('keys_total{db=5} >= 1', value(after, 'ferrite_keys_total', db='5') >= 1)
        c.true('keys_total{db=0} >= 25', value(after, 'ferrite_keys_total', db='0') >= n_set)
        c.true('connections_total grew', delta('ferrite_connections_total') >= 1)
        c.true('bytes received grew', delta('ferrite_network_bytes_received_total') > 0)
        c.true('bytes sent grew', delta('ferrite_network_bytes_sent_total') > 0)
        for name in ['ferrite_memory_used', 'ferrite_memory_max', 'ferrite_connections_active',
                     'ferrite_cache_hit_rate', 'ferrite_cache_hits_total', 'ferrite_cache_misses_total',
                     'ferrite_keys_expired_total', 'ferrite_keys_evicted_total', 'ferrite_epoch_current',
                     'ferrite_replication_lag', 'ferrite_aof_sync_duration_count']:
            c.true(f'{name} present', any(k[0] == name for k in after))
        for tier in ['mutable', 'read_only', 'disk']:
            c.true(f'tier_size{{tier={tier}}} present',
                   ('ferrite_hybridlog_tier_size', frozenset({('tier', tier)})) in after)
        rate = value(after, 'ferrite_cache_hit_rate')
        c.true('cache hit rate within [0,1]', 0.0 <= rate <= 1.0)
        # Histogram consistency for GET.
        buckets = sorted(((float('inf') if dict(k[1])['le'] == '+Inf' else float(dict(k[1])['le'])), v)
                         for k, v in after.items()
                         if k[0] == 'ferrite_command_duration_bucket' and dict(k[1]).get('command') == 'GET')
        c.true('GET buckets cumulative', all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])))
        c.eq('GET +Inf bucket == _count', buckets[-1][1],
             value(after, 'ferrite_command_duration_count', command='GET'))

        octype, om = scrape(args.metrics_port, openmetrics=True)
        c.true('OpenMetrics content type', octype.startswith('application/openmetrics-text; version=1.0.0'))
        c.true('OpenMetrics ends with # EOF', om.endswith('# EOF\n'))
        c.true('OpenMetrics counter family without _total',
               '# TYPE ferrite_commands counter' in om)
        ex = re.compile(r'^ferrite_command_duration_bucket\{.*\} \d+ # \{trace_id="[0-9a-f]{32}",'
                        r'span_id="[0-9a-f]{16}"\} [0-9.e-]+ [0-9.]+$')
        exemplars = [l for l in om.splitlines() if ' # {' in l]
        c.true('exemplar lines well-formed', all(ex.match(l) for l in exemplars))
        print(f'     ({len(exemplars)} exemplars: present only when tracing samples commands)')

        promtool = shutil.which('promtool')
        if promtool:
            p = subprocess.run([promtool, 'check', 'metrics'], input=text, capture_output=True,
                               text=True)
            findings = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
            allowed = ['ferrite_keys_total non-counter metrics should not have "_total" suffix']
            c.true('promtool check metrics (only the seed-name finding allowed): '
                   + '; '.join(findings), all(f in allowed for f in findings))
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print('FAILED' if c.failures else 'all checks passed')
    return 1 if c.failures else 0


if __name__ == '__main__':
    sys.exit(main())
