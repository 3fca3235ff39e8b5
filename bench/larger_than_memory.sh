#!/usr/bin/env bash
# Larger than memory (issue 3): GET throughput with the data 4x the memory budget, against the
# same data with all of it in memory; zipfian (YCSB, theta 0.99) and uniform keys, measured
# with bench/zipf_load (C++; redis-benchmark draws keys uniformly only).
#
# Two Ferrites run side by side on free ports, identical except for storage.max_memory:
#   ltm     BUDGET_MB (64): the data does not fit, most of it lives in the on-disk log
#   memory  MEMORY_MB (1024): the same data fits with room to spare
# both with page_size 1mb (a 64 MB budget needs small pages), no AOF, no periodic checkpoint.
# Each is loaded once by `zipf_load --load` with KEYS = DATA_FACTOR x BUDGET_MB MiB / VALUE_SIZE
# keys ("key:0".."key:<KEYS-1>", VALUE_SIZE-byte values). Then, ROUNDS times, for zipfian and for
# uniform keys, each configuration (alternating which goes first) gets an unmeasured warm-up of
# WARMUP seconds (zipfian reads copy hot records from disk to the log's tail, so the first
# seconds after a uniform run are not steady state) and a measured run of MEASURE_SECONDS seconds. Only
# the server being measured is busy; the other idles.
#
# Per measured run the CSV (bench/results/<date>-<commit>-larger-than-memory.csv) records
# zipf_load's throughput and p50/p99 latency, the server's CPU time during the run
# (utime+stime from /proc/<pid>/stat), INFO hybridlog's disk reads during the run, the server's
# RSS after it, and the 1-minute load average. bench/larger_than_memory_summary.py turns it into the
# "Larger than memory" section of docs/benchmarks.md (medians over rounds) and the plot data for
# bench/larger_than_memory.gnuplot (docs/img/larger-than-memory.png).
#
# Usage: bench/larger_than_memory.sh
# Environment:
#   FERRITE_BIN  (build/release/ferrite)   ZIPF_LOAD (the zipf_load beside it: <build>/bench/)
#   FERRITE_THREADS (2)  BUDGET_MB (64)  MEMORY_MB (1024)  DATA_FACTOR (4)  VALUE_SIZE (1024)
#   ROUNDS (3)  MEASURE_SECONDS (10)  WARMUP (5)  CONNECTIONS (4)  PIPELINE (16)  THETA (0.99)
#   NO_DOCS=1  only print and write the CSV
# gnuplot draws the PNG: `apt-get install gnuplot-nox` (a benchmark-only tool, not in
# scripts/install-deps.sh); without it the docs table is still written.
#
# The segment files go through the page cache (buffered I/O), and this machine has far more RAM
# than the data: a "disk" read is a read(2)-like copy from the page cache, not a device read.
# What this measures is the engine's tiering cost (pending reads, copies to the tail), not a
# drive's latency.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$(pwd)"

FERRITE_BIN="${FERRITE_BIN:-$repo_root/build/release/ferrite}"
ZIPF_LOAD="${ZIPF_LOAD:-$(dirname "$FERRITE_BIN")/bench/zipf_load}"
FERRITE_THREADS="${FERRITE_THREADS:-2}"
BUDGET_MB="${BUDGET_MB:-64}"
MEMORY_MB="${MEMORY_MB:-1024}"
DATA_FACTOR="${DATA_FACTOR:-4}"
VALUE_SIZE="${VALUE_SIZE:-1024}"
ROUNDS="${ROUNDS:-3}"
MEASURE_SECONDS="${MEASURE_SECONDS:-10}"
WARMUP="${WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-4}"
PIPELINE="${PIPELINE:-16}"
THETA="${THETA:-0.99}"
KEYS=$((DATA_FACTOR * BUDGET_MB * 1024 * 1024 / VALUE_SIZE))
PLOT="docs/img/larger-than-memory.png"

# shellcheck source=bench/lib.sh
source bench/lib.sh  # the script runs from the repository root
require_tools redis-cli "$FERRITE_BIN" "$ZIPF_LOAD" /usr/bin/python3

commit="$(bench_commit)"
mkdir -p bench/results
csv="bench/results/$(date -u +%Y%m%d-%H%M%S)-${commit}-larger-than-memory.csv"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
work="$(mktemp -d /tmp/ferrite-ltm.XXXXXX)"
declare -A pid=() port=() budget=([ltm]=$BUDGET_MB [memory]=$MEMORY_MB)
cleanup() {
  for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

hybridlog_field() { redis-cli -p "$1" info hybridlog | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }

start_ferrite() {  # config budget_mb
  local name=$1 mb=$2
  cat >"$work/$name.toml" <<EOF
[storage]
max_memory = "${mb}mb"
page_size = "1mb"
[persistence]
aof_enabled = false
checkpoint_interval = 0
EOF
  port[$name]="$(free_port)"
  FERRITE_METRICS_ENABLED=false "$FERRITE_BIN" --config "$work/$name.toml" --port "${port[$name]}" \
    --bind 127.0.0.1 --threads "$FERRITE_THREADS" --dir "$work/$name-data" >"$work/$name.log" 2>&1 &
  pid[$name]=$!
  wait_ping "${port[$name]}"
  echo "$name: loading $KEYS keys of $VALUE_SIZE bytes (budget ${mb} MB)" >&2
  "$ZIPF_LOAD" -p "${port[$name]}" -k "$KEYS" -v "$VALUE_SIZE" -c "$CONNECTIONS" -P "$PIPELINE" \
    --load -t 1 >/dev/null
}

start_ferrite ltm "$BUDGET_MB"
start_ferrite memory "$MEMORY_MB"
ltm_disk="$(hybridlog_field "${port[ltm]}" hlog_bytes_disk)"
memory_disk="$(hybridlog_field "${port[memory]}" hlog_bytes_disk)"
echo "after loading: hlog_bytes_disk ltm $ltm_disk, memory $memory_disk" >&2

echo "round,config,budget_mb,distribution,theta,keys,connections,pipeline,seconds,requests,rps,p50_ms,p99_ms,misses,wrong_size,errors,server_cpu_s,disk_reads,rss_kb,load1" >"$csv"

measure() {  # round config dist
  local round=$1 name=$2 dist=$3 p=${port[$2]} cpu0 reads0 row cpu reads
  local args=(-p "$p" -k "$KEYS" -v "$VALUE_SIZE" -c "$CONNECTIONS" -P "$PIPELINE" -d "$dist"
              --theta "$THETA" --seed "$round")
  echo "round $round: $name $dist" >&2
  "$ZIPF_LOAD" "${args[@]}" -t "$WARMUP" >/dev/null
  cpu0="$(cpu_s "${pid[$name]}")"
  reads0="$(hybridlog_field "$p" hlog_reads_disk)"
  row="$("$ZIPF_LOAD" "${args[@]}" -t "$MEASURE_SECONDS" --csv)"
  cpu="$(awk -v a="$cpu0" -v b="$(cpu_s "${pid[$name]}")" 'BEGIN { printf "%.2f", b - a }')"
  reads=$(($(hybridlog_field "$p" hlog_reads_disk) - reads0))
  echo "$round,$name,${budget[$name]},$row,$cpu,$reads,$(status_kb "${pid[$name]}" VmRSS),$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
}

for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then order="ltm memory"; else order="memory ltm"; fi
  for dist in zipfian uniform; do
    for name in $order; do measure "$round" "$name" "$dist"; done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

args=(--csv "$csv" --commit "$commit" --started "$started" --load-before "$load_before"
      --load-after "$load_after" --ltm-disk-bytes "$ltm_disk" --memory-disk-bytes "$memory_disk"
      --value-size "$VALUE_SIZE" --warmup "$WARMUP" --image "$PLOT"
      --ferrite-version "$("$FERRITE_BIN" --version | head -1)")
if [ "${NO_DOCS:-0}" = 1 ]; then
  /usr/bin/python3 bench/larger_than_memory_summary.py "${args[@]}"
else
  /usr/bin/python3 bench/larger_than_memory_summary.py "${args[@]}" --markdown docs/benchmarks.md \
    --plot-data "$work/plot.dat"
  if command -v gnuplot >/dev/null 2>&1; then
    mkdir -p docs/img
    gnuplot -e "datafile='$work/plot.dat'; outfile='$PLOT'; subtitle='budget $BUDGET_MB MB, data ${DATA_FACTOR}x, commit $commit, $(nproc) cores, load $load_before'" \
      bench/larger_than_memory.gnuplot
    echo "wrote $PLOT" >&2
  else
    echo "gnuplot not found (apt-get install gnuplot-nox): $PLOT not refreshed" >&2
  fi
fi
echo "raw rows: $csv" >&2
