#!/usr/bin/env bash
# Macro benchmark: redis-benchmark (Debian's redis-tools) against Ferrite and Debian's
# redis-server 7.0 on this machine, with the same flags, alternating the two servers, several
# rounds; the medians go to their own section of docs/benchmarks.md, every raw row to
# bench/results/<date>-<commit>[-<tag>].csv and a bar chart to docs/img/ (gnuplot).
#
# Usage: bench/redis_benchmark.sh            (make bench runs it after building)
#        TESTS=lpush,lpop,sadd,spop,hset,zadd,lrange_100 SECTION=Collections \
#          bench/redis_benchmark.sh           (make bench-collections)
# Environment:
#   FERRITE_BIN      server binary (default build/release/ferrite)
#   FERRITE_THREADS  Ferrite's event-loop threads (default 2: the machine's budget; Redis 7.0
#                    executes commands on one thread whatever the core count)
#   ROUNDS           rounds (default 3); REQUESTS (-n, default 500000); CLIENTS (-c, default 50)
#   PIPELINES        pipeline depths (default "1 16")
#   TESTS            redis-benchmark test names, comma-separated (default "set,get,incr"); run
#                    one redis-benchmark per test, in this order, after one FLUSHALL, so e.g.
#                    lpop pops what lpush pushed. LRANGE takes lrange_100/lrange_300/...
#   SECTION          the section of docs/benchmarks.md this run (re)writes (default "Strings");
#                    other sections are left alone
#   PROFILE          targets: "strings" (issue 2, the default) or "collections" (issue 8: >= 1.0x
#                    at -P 16); default "collections" when SECTION=Collections
#   PLOT             chart file (default docs/img/benchmark.png for Strings, otherwise
#                    docs/img/benchmark-<section, lower case>.png)
#   NO_DOCS=1        only print and write the CSV (docs/benchmarks.md and the PNG untouched)
#   REDIS_EXTRA_ARGS more redis-server arguments, after the defaults (so they win), e.g. for the
#                    durability comparison: REDIS_EXTRA_ARGS="--appendonly yes --appendfsync
#                    everysec" with FERRITE_PERSISTENCE_AOF_ENABLED=true
#                    FERRITE_PERSISTENCE_AOF_SYNC=everysec SECTION="AOF everysec" (Ferrite reads
#                    its FERRITE_* variables from this environment)
#
# Fairness: both servers listen on 127.0.0.1, get FLUSHALL before each (server, pipeline) run,
# run one at a time (the other is idle), and are neither pinned nor niced; redis-benchmark
# (single-threaded client) shares the same cores. Rounds alternate which server goes first, so
# slow drift on a shared machine hits both. Numbers are what this machine measured: never edit
# them by hand. The load average before and after the run goes into the docs.
#
# Failures: redis-benchmark 7.0 stops at the first error reply ("Error from server: ...") and
# exits non-zero; that output and the status go to results/*-errors.log (the test then has no
# row). After each test the server must still answer PING. A
# server that dies is noted with the test that killed it and the tail of its log, its remaining
# runs are skipped, and the summary reports it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$(pwd)"

FERRITE_BIN="${FERRITE_BIN:-$repo_root/build/release/ferrite}"
FERRITE_THREADS="${FERRITE_THREADS:-2}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
ROUNDS="${ROUNDS:-3}"
REQUESTS="${REQUESTS:-500000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-set,get,incr}"
SECTION="${SECTION:-Strings}"
if [ "$SECTION" = Collections ]; then PROFILE="${PROFILE:-collections}"; else PROFILE="${PROFILE:-strings}"; fi
slug="$(echo "$SECTION" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '-' | sed 's/-*$//')"
if [ "$SECTION" = Strings ]; then
  PLOT="${PLOT:-docs/img/benchmark.png}"; tag=""
else
  PLOT="${PLOT:-docs/img/benchmark-$slug.png}"; tag="-$slug"
fi
KEYSPACE=1000000
DATA_SIZE=64

# shellcheck source=bench/lib.sh
source bench/lib.sh  # the script runs from the repository root
require_tools redis-benchmark redis-cli "$REDIS_SERVER" "$FERRITE_BIN" /usr/bin/python3
commit="$(bench_commit)"
stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p bench/results
csv="bench/results/${stamp}-${commit}${tag}.csv"
notes="bench/results/${stamp}-${commit}${tag}-problems.log"
errors="bench/results/${stamp}-${commit}${tag}-errors.log"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/ferrite-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ferrite_port="$(free_port)"
FERRITE_METRICS_ENABLED="${FERRITE_METRICS_ENABLED:-false}" "$FERRITE_BIN" --port "$ferrite_port" \
  --bind 127.0.0.1 --threads "$FERRITE_THREADS" --dir "$work/ferrite-data" >"$work/ferrite.log" 2>&1 &
pids+=($!)
redis_port="$(free_port)"
(cd "$work" && exec "$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --save '' \
  --appendonly no --daemonize no --logfile "$work/redis.log" ${REDIS_EXTRA_ARGS:-}) &
pids+=($!)
wait_ping "$ferrite_port"
wait_ping "$redis_port"

echo "round,server,pipeline,test,rps,avg_latency_ms,min_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,max_latency_ms" >"$csv"

declare -A dead=()
run_one() {  # round server port pipeline
  local round=$1 server=$2 port=$3 pipeline=$4 test out log rc
  [ -n "${dead[$server]:-}" ] && return 0
  redis-cli -p "$port" flushall >/dev/null
  for test in ${TESTS//,/ }; do
    echo "round $round: $server -P $pipeline $test" >&2
    rc=0
    out="$(redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" -c "$CLIENTS" -n "$REQUESTS" \
      -r "$KEYSPACE" -d "$DATA_SIZE" -P "$pipeline" --csv 2>&1)" || rc=$?
    # CSV rows start with a quote; anything else (error replies, connection errors) is a problem.
    grep '^"' <<<"$out" | grep -v '^"test"' | tr -d '"' | sed "s/^/$round,$server,$pipeline,/" >>"$csv" || true
    grep -v '^"' <<<"$out" | grep -v '^\s*$' | sed "s/^/$server -P $pipeline $test: /" >>"$errors" || true
    [ "$rc" = 0 ] || echo "$server -P $pipeline $test: redis-benchmark exited with status $rc (round $round)" >>"$errors"
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" != "PONG" ]; then
      dead[$server]=1
      if [ "$server" = ferrite ]; then log="$work/ferrite.log"; else log="$work/redis.log"; fi
      echo "$server stopped answering PING after redis-benchmark -t $test -P $pipeline (round $round); its remaining runs were skipped" >>"$notes"
      tail -n 5 "$log" 2>/dev/null | sed "s/^/$server log: /" >>"$notes" || true
      echo "$server died during $test -P $pipeline" >&2
      return 0
    fi
  done
}

for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then order="ferrite redis"; else order="redis ferrite"; fi
  for pipeline in $PIPELINES; do
    for server in $order; do
      if [ "$server" = ferrite ]; then port=$ferrite_port; else port=$redis_port; fi
      run_one "$round" "$server" "$port" "$pipeline"
    done
  done
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$errors" ] || rm -f "$errors"

ferrite_version="$("$FERRITE_BIN" --version 2>/dev/null | head -1 || true)"
redis_version="$("$REDIS_SERVER" --version | head -1)"
bench_version="$(redis-benchmark --version 2>/dev/null | head -1 || true)"

args=(--csv "$csv" --commit "$commit" --ferrite-threads "$FERRITE_THREADS"
      --flags "-c $CLIENTS -n $REQUESTS -r $KEYSPACE -d $DATA_SIZE"
      --ferrite-version "${ferrite_version:-ferrite}" --redis-version "$redis_version"
      --benchmark-version "$bench_version" --rounds "$ROUNDS" --tests "$TESTS"
      --section "$SECTION" --profile "$PROFILE" --image "$PLOT"
      --load-before "$load_before" --load-after "$load_after" --notes "$notes" --errors "$errors")
if [ "${NO_DOCS:-0}" = 1 ]; then
  /usr/bin/python3 bench/summarize.py "${args[@]}"
else
  mkdir -p docs/img
  xrotate=0
  [ "$(echo "$TESTS" | tr ',' '\n' | wc -l)" -gt 3 ] && xrotate=30
  /usr/bin/python3 bench/summarize.py "${args[@]}" --markdown docs/benchmarks.md \
    --plot-data "$work/plot.dat"
  if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "datafile='$work/plot.dat'; outfile='$PLOT'; subtitle='$SECTION, commit $commit, $(nproc) cores, load $load_before'; xrotate=$xrotate" \
      bench/benchmark.gnuplot
    echo "wrote $PLOT" >&2
  else
    echo "gnuplot not found: $PLOT not refreshed" >&2
  fi
fi
echo "raw rows: $csv" >&2
[ -s "$notes" ] && { echo "problems:" >&2; cat "$notes" >&2; }
exit 0
