#!/usr/bin/env bash
# Telemetry overhead (issues 4 and 5): redis-benchmark -t set,get at -P 16 and -P 1 against a
# fresh Ferrite in each of these configurations (config file written by this script; `OTEL_*`
# variables of the caller are unset so they cannot leak in):
#
#   off        [metrics] enabled = false, [telemetry] enabled = false      (the baseline)
#   metrics    [metrics] enabled = true (GET /metrics on a free port), [telemetry] off
#   full100    traces, sample_rate 1.0, span_detail "full"    ([metrics] off, OTLP metrics/logs off)
#   full10     traces, sample_rate 0.1, span_detail "full"
#   command100 traces, sample_rate 1.0, span_detail "command" (the command span alone)
#
# Traces go over OTLP/HTTP (protocol "http/protobuf") to bench/otlp_sink.js on 127.0.0.1, which
# reads and discards the bodies without decoding them and answers 200. Everything else in
# [telemetry] keeps its default (batch_size 512, batch_timeout_ms 5000, max_queue_size 2048), as
# a user would run it: when the exporter cannot keep up, spans are dropped and counted, and the
# table shows how many (INFO telemetry's otel_spans_dropped).
#
# After every test the script records VmRSS / VmHWM of the Ferrite process (/proc/<pid>/status),
# the CPU time Ferrite used during the test (utime+stime, all its threads, the exporter's
# included), INFO telemetry's span counters (cumulative over the run) and the sink's counters
# since the configuration's server started; one CSV row per test in
# bench/results/<date>-<commit>-telemetry.csv. Rounds rotate the order of the configurations.
#
# Then (SCRAPE=1, the default) a fresh Ferrite with [metrics] on runs every command it lists in
# COMMAND once (bench/touch_all_commands.py), so every command label exists, and 20 scrapes of
# /metrics are timed with curl -w '%{time_total}' in text 0.0.4 and 20 in OpenMetrics
# (bench/results/<date>-<commit>-scrape.csv).
#
# bench/telemetry_summary.py turns both CSVs into the "Telemetry overhead" section of
# docs/benchmarks.md, the "Performance impact" section of docs/telemetry.md and
# docs/img/telemetry-overhead.png.
#
# Environment: FERRITE_BIN, FERRITE_THREADS (2), ROUNDS (2), REQUESTS_P16 (1000000),
# REQUESTS_P1 (200000), CLIENTS (50), CONFIGS ("off metrics full100 full10 command100"),
# SCRAPE (1), NO_DOCS=1 (CSV only). Numbers are what this machine measured: never edit them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root="$(pwd)"
for v in $(compgen -e | grep '^OTEL_' || true); do unset "$v"; done

FERRITE_BIN="${FERRITE_BIN:-$repo_root/build/release/ferrite}"
FERRITE_THREADS="${FERRITE_THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
REQUESTS_P16="${REQUESTS_P16:-1000000}"
REQUESTS_P1="${REQUESTS_P1:-200000}"
CLIENTS="${CLIENTS:-50}"
CONFIGS="${CONFIGS:-off metrics full100 full10 command100}"
SCRAPE="${SCRAPE:-1}"
KEYSPACE=1000000
DATA_SIZE=64
TESTS="set get"

# shellcheck source=bench/lib.sh
source bench/lib.sh  # the script runs from the repository root
require_tools redis-benchmark redis-cli node curl "$FERRITE_BIN" /usr/bin/python3
commit="$(bench_commit)"
stamp="$(date -u +%Y%m%d-%H%M%S)"
mkdir -p bench/results
base="bench/results/${stamp}-${commit}"
csv="$base-telemetry.csv"
scrape_csv="$base-scrape.csv"
notes="$base-telemetry-problems.log"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(mktemp -d /tmp/ferrite-telemetry.XXXXXX)"
sink_pid=""
ferrite_pid=""
cleanup() {
  [ -n "$ferrite_pid" ] && kill -TERM "$ferrite_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

info_field() { grep "^$2:" <<<"$1" | cut -d: -f2 | tr -d '\r' || true; }

# The sink.
sink_port="$(free_port)"
node bench/otlp_sink.js "$sink_port" >"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 1 200); do grep -q listening "$work/sink.log" && break; sleep 0.05; done
grep -q listening "$work/sink.log" || { echo "otlp_sink did not start" >&2; exit 1; }
sink_stat() { curl -s "http://127.0.0.1:$sink_port/stats"; }
sink_delta() {  # now start field: the sink's counter since this configuration's run started
  /usr/bin/python3 -c "import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(round(a[sys.argv[3]]-b[sys.argv[3]],3))" "$1" "$2" "$3"
}

write_config() {  # name file metrics_port
  local name=$1 file=$2 mport=$3
  {
    if [ "$name" = metrics ]; then
      printf '[metrics]\nenabled = true\nbind = "127.0.0.1"\nport = %s\n\n' "$mport"
    else
      printf '[metrics]\nenabled = false\n\n'
    fi
    case "$name" in
      off | metrics) printf '[telemetry]\nenabled = false\n' ;;
      full100 | full10 | command100)
        local rate=1.0 detail=full
        [ "$name" = full10 ] && rate=0.1
        [ "$name" = command100 ] && detail=command
        printf '[telemetry]\nenabled = true\nprotocol = "http/protobuf"\n'
        printf 'endpoint = "http://127.0.0.1:%s"\n' "$sink_port"
        printf 'sample_rate = %s\nspan_detail = "%s"\n' "$rate" "$detail"
        printf 'traces_enabled = true\nmetrics_enabled = false\nlogs_enabled = false\n'
        ;;
      *) echo "unknown configuration $name" >&2; exit 2 ;;
    esac
  } >"$file"
}

start_ferrite() {  # name -> sets ferrite_pid, ferrite_port, metrics_port
  local name=$1
  ferrite_port="$(free_port)"
  metrics_port="$(free_port)"
  write_config "$name" "$work/$name.toml" "$metrics_port"
  rm -rf "$work/data-$name"
  "$FERRITE_BIN" --config "$work/$name.toml" --port "$ferrite_port" --bind 127.0.0.1 \
    --threads "$FERRITE_THREADS" --dir "$work/data-$name" >"$work/ferrite-$name.log" 2>&1 &
  ferrite_pid=$!
  wait_ping "$ferrite_port"
}

stop_ferrite() {  # name round
  local rc=0
  kill -TERM "$ferrite_pid" 2>/dev/null || true
  wait "$ferrite_pid" || rc=$?
  [ "$rc" = 0 ] || echo "$1 round $2: ferrite exited with status $rc after SIGTERM" >>"$notes"
  ferrite_pid=""
}

echo "round,config,pipeline,test,rps,avg_latency_ms,min_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,max_latency_ms,requests,rss_kb,hwm_kb,ferrite_cpu_s,spans_exported,spans_dropped,spans_failed,queue_length,export_requests,export_retries,sink_requests,sink_bytes,sink_cpu_s" >"$csv"

configs=($CONFIGS)
n=${#configs[@]}
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    name="${configs[$(((i + round - 1) % n))]}"
    start_ferrite "$name"
    alive=1
    cpu_prev="$(cpu_s "$ferrite_pid")"
    sink0="$(sink_stat)"
    for pipeline in 16 1; do
      if [ "$pipeline" = 16 ]; then requests=$REQUESTS_P16; else requests=$REQUESTS_P1; fi
      for test in $TESTS; do
        [ "$alive" = 1 ] || continue
        echo "round $round: $name -P $pipeline $test" >&2
        rc=0
        out="$(redis-benchmark -h 127.0.0.1 -p "$ferrite_port" -t "$test" -c "$CLIENTS" \
          -n "$requests" -r "$KEYSPACE" -d "$DATA_SIZE" -P "$pipeline" --csv 2>&1)" || rc=$?
        row="$(grep '^"' <<<"$out" | grep -v '^"test"' | tr -d '"' | head -1 || true)"
        if [ "$rc" != 0 ] || [ -z "$row" ]; then
          echo "$name round $round -P $pipeline $test: redis-benchmark status $rc: $(grep -v '^"' <<<"$out" | tail -n 2 | tr '\n' ' ')" >>"$notes"
        fi
        if [ "$(redis-cli -p "$ferrite_port" ping 2>/dev/null)" != "PONG" ]; then
          echo "$name round $round: ferrite stopped answering PING after redis-benchmark -t $test -P $pipeline" >>"$notes"
          tail -n 5 "$work/ferrite-$name.log" | sed 's/^/ferrite log: /' >>"$notes" || true
          alive=0
          continue
        fi
        [ -n "$row" ] || continue
        info="$(redis-cli -p "$ferrite_port" info telemetry)"
        sink="$(sink_stat)"
        cpu_now="$(cpu_s "$ferrite_pid")"
        cpu_test="$(awk -v a="$cpu_now" -v b="$cpu_prev" 'BEGIN { printf "%.2f", a - b }')"
        cpu_prev="$cpu_now"
        echo "$round,$name,$pipeline,$row,$requests,$(status_kb "$ferrite_pid" VmRSS),$(status_kb "$ferrite_pid" VmHWM),$cpu_test,$(info_field "$info" otel_spans_exported),$(info_field "$info" otel_spans_dropped),$(info_field "$info" otel_spans_failed),$(info_field "$info" otel_queue_length),$(info_field "$info" otel_export_requests),$(info_field "$info" otel_export_retries),$(sink_delta "$sink" "$sink0" requests),$(sink_delta "$sink" "$sink0" bytes),$(sink_delta "$sink" "$sink0" cpu_s)" >>"$csv"
      done
    done
    # Export errors logged by the pipeline (connection refused, queue full...) are worth a note.
    # The logger rate-limits them ("(N similar messages suppressed)"): add those counts back.
    grep -h 'opentelemetry' "$work/ferrite-$name.log" | grep -E ' (WARN|ERROR) ' | sed 's/^[^ ]* *//' \
      | awk -v p="$name round $round: ferrite logged" '
          { n = 1
            if (match($0, / \(([0-9]+) similar messages suppressed\)$/)) {
              n += substr($0, RSTART + 2, RLENGTH - 31) + 0; $0 = substr($0, 1, RSTART - 1) }
            c[$0] += n }
          END { for (m in c) printf "%s %d x: %s\n", p, c[m], m }' >>"$notes" || true
    if [ "$alive" = 1 ]; then
      stop_ferrite "$name" "$round"
    else
      kill -TERM "$ferrite_pid" 2>/dev/null || true
      wait "$ferrite_pid" 2>/dev/null || true
      ferrite_pid=""
    fi
  done
done

if [ "$SCRAPE" = 1 ]; then
  echo "scrape: touching every command" >&2
  start_ferrite metrics
  touched="$(/usr/bin/python3 bench/touch_all_commands.py "$ferrite_port" 2>&1 | head -1)"
  url="http://127.0.0.1:$metrics_port/metrics"
  labels="$(curl -s "$url" | grep -o '^ferrite_commands_total{command="[^"]*"' | sort -u | wc -l)"
  echo "format,iteration,seconds,bytes,command_labels" >"$scrape_csv"
  curl -s -o /dev/null "$url"  # warm the connection path once (not recorded)
  for format in text openmetrics; do
    if [ "$format" = openmetrics ]; then accept='application/openmetrics-text; version=1.0.0'; else accept='text/plain'; fi
    for i in $(seq 1 20); do
      r="$(curl -s -o /dev/null -H "Accept: $accept" -w '%{time_total},%{size_download}' "$url")"
      echo "$format,$i,$r,$labels" >>"$scrape_csv"
    done
  done
  [ "$(redis-cli -p "$ferrite_port" ping 2>/dev/null)" = "PONG" ] || echo "scrape: ferrite stopped answering PING after touch_all_commands.py" >>"$notes"
  stop_ferrite scrape 0
  echo "$touched" >"$work/touched.txt"
fi

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
ferrite_version="$("$FERRITE_BIN" --version 2>/dev/null | head -1 || true)"
args=(--csv "$csv" --commit "$commit" --ferrite-version "${ferrite_version:-ferrite}"
      --ferrite-threads "$FERRITE_THREADS" --rounds "$ROUNDS"
      --flags "-t set,get -c $CLIENTS -r $KEYSPACE -d $DATA_SIZE, -n $REQUESTS_P16 at -P 16, -n $REQUESTS_P1 at -P 1"
      --load-before "$load_before" --load-after "$load_after" --notes "$notes")
if [ "$SCRAPE" = 1 ]; then
  args+=(--scrape-csv "$scrape_csv" --touched "$(cat "$work/touched.txt")")
fi
if [ "${NO_DOCS:-0}" = 1 ]; then
  /usr/bin/python3 bench/telemetry_summary.py "${args[@]}"
else
  mkdir -p docs/img
  /usr/bin/python3 bench/telemetry_summary.py "${args[@]}" --markdown docs/benchmarks.md \
    --telemetry-md docs/telemetry.md --plot docs/img/telemetry-overhead.png
fi
if [ "$SCRAPE" = 1 ]; then echo "raw rows: $csv $scrape_csv" >&2; else echo "raw rows: $csv" >&2; fi
[ -s "$notes" ] && { echo "notes:" >&2; cat "$notes" >&2; }
exit 0
