#!/usr/bin/env bash
# Durability benchmark (issue 7): SET throughput with the append-only file, Ferrite against
# Debian's redis-server 7.0 with the same policy, and Ferrite's everysec against no AOF.
#
# Configurations (each a fresh server with an empty data directory, started for its run and
# stopped after it, so every run starts with an empty AOF):
#   ferrite-none      Ferrite, AOF off                       (baseline for the everysec cost)
#   ferrite-everysec  Ferrite, aof_sync = "everysec"
#   redis-everysec    redis-server --appendonly yes --appendfsync everysec
#   ferrite-always    Ferrite, aof_sync = "always"
#   redis-always      redis-server --appendonly yes --appendfsync always
# Both servers keep their data in directories under one WORK_DIR (one filesystem), take no
# periodic snapshot (Redis --save '', Ferrite checkpoint_interval = 0) and keep their default
# automatic AOF rewrite (100 %, 64 MB).
#
# Rounds interleave every configuration at every pipeline depth (the order rotates each round),
# so the drift of a shared machine hits all of them. Each run records redis-benchmark's CSV row
# and the server's CPU time (utime + stime from /proc/<pid>/stat) during the run, so CPU per
# request can be compared when throughput is bound by the client.
#
# Usage: bench/aof_benchmark.sh
# Environment:
#   FERRITE_BIN      default build/release/ferrite;  REDIS_SERVER  default /usr/bin/redis-server
#   FERRITE_THREADS  default 2;  ROUNDS default 3;  CLIENTS default 50;  PIPELINES default "1 16"
#   REQUESTS         -n for none/everysec (default 300000)
#   REQUESTS_ALWAYS  -n for always (default 100000: each request waits for an fsync)
#   CONFIGS          subset of the configurations above (default all five)
#   WORK_DIR         where the data directories go (default a new directory under /tmp)
#   NO_DOCS=1        only write the CSV and print the summary (docs/benchmarks.md untouched)
set -euo pipefail
cd "$(dirname "$0")/.."

FERRITE_BIN="${FERRITE_BIN:-build/release/ferrite}"
REDIS_SERVER="${REDIS_SERVER:-/usr/bin/redis-server}"
FERRITE_THREADS="${FERRITE_THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
REQUESTS="${REQUESTS:-300000}"
REQUESTS_ALWAYS="${REQUESTS_ALWAYS:-100000}"
CONFIGS="${CONFIGS:-ferrite-none ferrite-everysec redis-everysec ferrite-always redis-always}"
KEYSPACE=1000000
DATA_SIZE=64

# shellcheck source=bench/lib.sh
source bench/lib.sh
require_tools redis-benchmark redis-cli "$REDIS_SERVER" "$FERRITE_BIN" /usr/bin/python3

commit="$(bench_commit)"
csv="bench/results/$(date -u +%Y%m%d-%H%M%S)-${commit}-aof.csv"
mkdir -p bench/results
work="${WORK_DIR:-$(mktemp -d /tmp/ferrite-aof-bench.XXXXXX)}"
mkdir -p "$work"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -z "${WORK_DIR:-}" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT

# Starts the server of configuration $1 with data directory $2 on port $3; sets server_pid.
start_server() {
  local config=$1 dir=$2 port=$3 server=${1%%-*} policy=${1#*-}
  mkdir -p "$dir"
  if [ "$server" = ferrite ]; then
    local aof=true
    [ "$policy" = none ] && aof=false
    FERRITE_METRICS_ENABLED=false FERRITE_PERSISTENCE_AOF_ENABLED=$aof \
      FERRITE_PERSISTENCE_AOF_SYNC="${policy/none/everysec}" \
      FERRITE_PERSISTENCE_CHECKPOINT_INTERVAL=0 \
      "$FERRITE_BIN" --port "$port" --bind 127.0.0.1 --threads "$FERRITE_THREADS" \
      --dir "$dir" >"$dir/server.log" 2>&1 &
  else
    local aof=(--appendonly yes --appendfsync "$policy")
    [ "$policy" = none ] && aof=(--appendonly no)
    "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' "${aof[@]}" \
      --daemonize no --logfile "$dir/server.log" &
  fi
  server_pid=$!
  wait_ping "$port"
}

echo "round,config,pipeline,requests,rps,avg_latency_ms,p50_latency_ms,p99_latency_ms,server_cpu_s,load1" >"$csv"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
read -r -a configs <<<"$CONFIGS"
for round in $(seq 1 "$ROUNDS"); do
  n=${#configs[@]}
  for pipeline in $PIPELINES; do
    for i in $(seq 0 $((n - 1))); do
      config=${configs[$(((i + round - 1) % n))]}
      requests=$REQUESTS
      [ "${config#*-}" = always ] && requests=$REQUESTS_ALWAYS
      dir="$work/$config-r$round-P$pipeline"
      port="$(free_port)"
      start_server "$config" "$dir" "$port"
      echo "round $round: $config -P $pipeline -n $requests" >&2
      cpu0="$(cpu_s "$server_pid")"
      out="$(redis-benchmark -h 127.0.0.1 -p "$port" -t set -c "$CLIENTS" -n "$requests" \
        -r "$KEYSPACE" -d "$DATA_SIZE" -P "$pipeline" --csv 2>&1)" || {
        echo "$config -P $pipeline: redis-benchmark failed: $out" >&2
        exit 1
      }
      cpu1="$(cpu_s "$server_pid")"
      [ "$(redis-cli -p "$port" ping)" = PONG ] || { echo "$config stopped answering" >&2; exit 1; }
      # "test","rps","avg","min","p50","p95","p99","max"
      row="$(grep '^"SET"' <<<"$out" | tr -d '"')"
      IFS=, read -r _ rps avg _ p50 _ p99 _ <<<"$row"
      cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{printf "%.2f", b - a}')"
      echo "$round,$config,$pipeline,$requests,$rps,$avg,$p50,$p99,$cpu,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
      kill -TERM "$server_pid"
      wait "$server_pid" 2>/dev/null || true
      server_pid=""
      rm -rf "$dir"
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

args=(--csv "$csv" --commit "$commit" --ferrite-threads "$FERRITE_THREADS"
      --flags "-t set -c $CLIENTS -r $KEYSPACE -d $DATA_SIZE, -n $REQUESTS (always: -n $REQUESTS_ALWAYS)"
      --ferrite-version "$("$FERRITE_BIN" --version | head -1)"
      --redis-version "$("$REDIS_SERVER" --version | head -1)"
      --rounds "$ROUNDS" --load-before "$load_before" --load-after "$load_after")
[ "${NO_DOCS:-0}" = 1 ] || args+=(--markdown docs/benchmarks.md)
/usr/bin/python3 bench/aof_summary.py "${args[@]}"
echo "raw rows: $csv" >&2
