#!/usr/bin/env python3
"""A real Prometheus (Debian's) scrapes a /metrics endpoint in OpenMetrics and the seed's PromQL
returns data.

    prometheus_check.py <metrics_dump> <prometheus>

Starts `metrics_dump serve` (a fully populated registry with live traffic behind the real
MetricsEndpoint), writes a prometheus.yml scraping it every second on loopback, starts
Prometheus with exemplar storage, then checks through its HTTP API: the target is up with no
scrape error (so Prometheus's own OpenMetrics parser accepted the exposition, exemplars and
# EOF included), the scrape was OpenMetrics, the seed's five PromQL queries return series, and
exemplars are queryable. This is the OpenMetrics validation promtool 2.42 cannot do (its parser
only reads text 0.0.4).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def api(port, path, **params):
    url = f'http://127.0.0.1:{port}/api/v1/{path}'
    if params:
        url += '?' + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    assert body['status'] == 'success', body
    return body['data']


def main():
    dump, prometheus = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix='ferrite-prom-')
    server = subprocess.Popen([dump, 'serve'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    prom = None
    failures = []

    def check(what, cond, detail=''):
        print(f"{'ok  ' if cond else 'FAIL'} {what} {detail}")
        if not cond:
            failures.append(what)

    try:
        metrics_port = int(server.stdout.readline())
        prom_port = free_port()
        with open(os.path.join(tmp, 'prometheus.yml'), 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n'
                    'scrape_configs:\n  - job_name: ferrite\n    static_configs:\n'
                    f'      - targets: ["127.0.0.1:{metrics_port}"]\n')
        prom = subprocess.Popen(
            [prometheus, f'--config.file={tmp}/prometheus.yml', f'--storage.tsdb.path={tmp}/data',
             f'--web.listen-address=127.0.0.1:{prom_port}', '--enable-feature=exemplar-storage'],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, 'prometheus.log'), 'w'))

        # Wait for a few scrapes (rate() needs two samples).
        target = None
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                targets = api(prom_port, 'targets')['activeTargets']
                if targets and targets[0]['health'] != 'unknown':
                    target = targets[0]
                    q = api(prom_port, 'query', query='count(ferrite_commands_total)')['result']
                    r = api(prom_port, 'query',
                            query='sum(rate(ferrite_commands_total[1m]))')['result']
                    if q and r and float(r[0]['value'][1]) > 0:
                        break
            except OSError:
                pass
            time.sleep(0.5)
        check('target scraped', target is not None)
        if target is None:
            return 1
        check('target up', target['health'] == 'up', target.get('lastError', ''))
        check('no scrape error', target.get('lastError', '') == '', target.get('lastError', ''))

        # Sample values: the format actually negotiated shows in the scrape's series.
        up = api(prom_port, 'query', query='up{job="ferrite"}')['result']
        check('up == 1', bool(up) and up[0]['value'][1] == '1')

        seed_queries = [
            'sum(rate(ferrite_commands_total[1m])) by (command)',
            'histogram_quantile(0.99, sum(rate(ferrite_command_duration_bucket[5m])) by (le, command))',
            'ferrite_cache_hit_rate',
            'ferrite_hybridlog_tier_size',
            'ferrite_memory_used / ferrite_memory_max * 100',
        ]
        for q in seed_queries:
            res = api(prom_port, 'query', query=q)['result']
            check(f'PromQL returns data: {q}', len(res) > 0, f'({len(res)} series)')
        p99 = api(prom_port, 'query', query='histogram_quantile(0.99, sum(rate('
                  'ferrite_command_duration_bucket{command="CMD0"}[5m])) by (le))')['result']
        ok = bool(p99) and 0 < float(p99[0]['value'][1]) <= 0.005
        check('P99 of CMD0 is a latency in range', ok, p99[0]['value'][1] if p99 else '')
        mem = api(prom_port, 'query', query='ferrite_memory_used / ferrite_memory_max * 100')['result']
        check('memory percentage = 15.625', bool(mem) and abs(float(mem[0]['value'][1]) - 15.625) < 1e-9)
        tiers = api(prom_port, 'query', query='ferrite_hybridlog_tier_size')['result']
        check('three tiers', sorted(s['metric']['tier'] for s in tiers) == ['disk', 'mutable', 'read_only'])
        now = time.time()
        ex = api(prom_port, 'query_exemplars', query='ferrite_command_duration_bucket',
                 start=now - 300, end=now + 60)
        n = sum(len(s['exemplars']) for s in ex)
        labels = ex[0]['exemplars'][0]['labels'] if n else {}
        check('exemplars stored (OpenMetrics was negotiated)', n > 0, f'({n} exemplars)')
        check('exemplar has trace_id and span_id',
              len(labels.get('trace_id', '')) == 32 and len(labels.get('span_id', '')) == 16,
              json.dumps(labels))
        counters = api(prom_port, 'query', query='ferrite_network_bytes_received_total')['result']
        check('counter keeps its _total name under OpenMetrics', len(counters) == 1)
    finally:
        if prom:
            prom.terminate()
            prom.wait(timeout=30)
        server.stdin.close()
        server.wait(timeout=30)
        if failures:
            log = os.path.join(tmp, 'prometheus.log')
            if os.path.exists(log):
                print(open(log).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print('FAILED' if failures else 'prometheus check: ok')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
