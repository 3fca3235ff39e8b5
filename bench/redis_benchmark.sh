#!/usr/bin/env bash
# Macro benchmark: redis-benchmark (Debian's redis-tools) against Ferrite and Debian's
# redis-server 7.0 on this machine, with the same flags, alternating the two servers, several
# rounds; the medians go to docs/benchmarks.md, every raw row to bench/results/<date>-<commit>.csv
# and a bar chart to docs/img/benchmark.png (gnuplot).
#
# Usage: bench/redis_benchmark.sh            (make bench runs it after building)
# Environment:
#   FERRITE_BIN      server binary (default build/release/ferrite)
#   FERRITE_THREADS  Ferrite's event-loop threads (default 2: the machine's budget; Redis 7.0
#                    executes commands on one thread whatever the core count)
#   ROUNDS           rounds (default 3); REQUESTS (-n, default 500000); CLIENTS (-c, default 50)
#   PIPELINES        pipeline depths (default "1 16")
#   NO_DOCS=1        only print and write the CSV (docs/benchmarks.md and the PNG untouched)
#
# Fairness: both servers listen on 127.0.0.1, get FLUSHALL before each run, run one at a time
# (the other is idle), and are neither pinned nor niced; redis-benchmark (single-threaded client)
# shares the same cores. Rounds alternate which server goes first, so slow drift on a shared
# machine hits both. Numbers are what this machine measured: never edit them by hand.
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
TESTS="set,get,incr"
KEYSPACE=1000000
DATA_SIZE=64

for tool in redis-benchmark redis-cli "$REDIS_SERVER" "$FERRITE_BIN" /usr/bin/python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool" >&2; exit 2; }
done

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
git diff --quiet HEAD -- src 2>/dev/null || dirty="+dirty"
stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p bench/results
csv="bench/results/${stamp}-${commit}${dirty}.csv"
work="$(mktemp -d /tmp/ferrite-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_ping() {
  for _ in $(seq 1 200); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not answer PING" >&2
  return 1
}

ferrite_port="$(free_port)"
FERRITE_METRICS_ENABLED="${FERRITE_METRICS_ENABLED:-false}" "$FERRITE_BIN" --port "$ferrite_port" \
  --bind 127.0.0.1 --threads "$FERRITE_THREADS" --dir "$work/ferrite-data" >"$work/ferrite.log" 2>&1 &
pids+=($!)
redis_port="$(free_port)"
(cd "$work" && exec "$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --save '' \
  --appendonly no --daemonize no --logfile "$work/redis.log") &
pids+=($!)
wait_ping "$ferrite_port"
wait_ping "$redis_port"

echo "round,server,pipeline,test,rps,avg_latency_ms,min_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,max_latency_ms" >"$csv"

run_one() {  # round server port pipeline
  local round=$1 server=$2 port=$3 pipeline=$4
  redis-cli -p "$port" flushall >/dev/null
  echo "round $round: $server -P $pipeline" >&2
  redis-benchmark -h 127.0.0.1 -p "$port" -t "$TESTS" -c "$CLIENTS" -n "$REQUESTS" \
    -r "$KEYSPACE" -d "$DATA_SIZE" -P "$pipeline" --csv |
    tail -n +2 | tr -d '"' | sed "s/^/$round,$server,$pipeline,/" >>"$csv"
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

# Both servers must still be alive: a crash would otherwise look like a slow run.
for port in "$ferrite_port" "$redis_port"; do
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] || { echo "server on $port died" >&2; exit 1; }
done

ferrite_version="$("$FERRITE_BIN" --version 2>/dev/null | head -1 || true)"
redis_version="$("$REDIS_SERVER" --version | head -1)"
bench_version="$(redis-benchmark --version 2>/dev/null | head -1 || true)"

args=(--csv "$csv" --commit "$commit$dirty" --ferrite-threads "$FERRITE_THREADS"
      --flags "-t $TESTS -c $CLIENTS -n $REQUESTS -r $KEYSPACE -d $DATA_SIZE"
      --ferrite-version "${ferrite_version:-ferrite}" --redis-version "$redis_version"
      --benchmark-version "$bench_version" --rounds "$ROUNDS")
if [ "${NO_DOCS:-0}" = 1 ]; then
  /usr/bin/python3 bench/summarize.py "${args[@]}"
else
  mkdir -p docs/img
  /usr/bin/python3 bench/summarize.py "${args[@]}" --markdown docs/benchmarks.md \
    --plot-data "$work/plot.dat"
  if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "datafile='$work/plot.dat'; outfile='docs/img/benchmark.png'; subtitle='commit $commit$dirty, $(nproc) cores'" \
      bench/benchmark.gnuplot
    echo "wrote docs/img/benchmark.png" >&2
  else
    echo "gnuplot not found: docs/img/benchmark.png not refreshed" >&2
  fi
fi
echo "raw rows: $csv" >&2
