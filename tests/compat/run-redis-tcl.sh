#!/usr/bin/env bash
# Runs units of the Redis 7.0.15 Tcl test suite against Ferrite, in the suite's external-server
# mode, and summarises passed/failed per unit.
#
# Usage:
#   tests/compat/run-redis-tcl.sh [REDIS_SRC] [unit ...]
#     REDIS_SRC  a directory holding Redis 7.0.15's tests/ folder (test_helper.tcl, unit/,
#                support/, helpers/, assets/); or set the REDIS_SRC environment variable.
#     unit       e.g. unit/type/string; default: the units Ferrite targets (see UNITS).
#   Environment:
#     FERRITE_BIN   the server binary (default: build/release/ferrite)
#     TCL_TAGS      the --tags filter (default: "-needs:repl", see below)
#     TCL_LOG_DIR   where each unit's output goes (default: a new temporary directory)
#     TCL_SUMMARY   also write the summary table (markdown) to this file
#     TCL_SKIP_FUNCTION_FLUSH=1  diagnostic mode: runs a temporary copy of the suite whose
#                   external-server setup omits `r function flush` (support/server.tcl), to see
#                   the results behind a missing FUNCTION FLUSH. Not the official numbers.
#
# Each unit gets a fresh Ferrite on a free loopback port (started with --threads 2), so a unit
# that wedges or crashes the server cannot change another unit's result; the runner stops it with
# SIGTERM afterwards and reports a non-zero exit code as a failure of its own.
#
# This script neither fetches nor builds Redis: it only reads the test scripts of a checkout you
# provide. The suite is not part of `make test` because CI has no copy of Redis's sources.
#
# Tags excluded by default (the suite skips `external:skip` tests by itself in this mode):
#   needs:repl  the test attaches a replica with SYNC/PSYNC or checks the replication stream
#               (e.g. "GETEX without argument does not propagate to replica", "SET command will
#               remove expire" propagation checks); Ferrite has no replication yet.
# Everything else runs, including needs:debug (DEBUG OBJECT/SLEEP/SET-ACTIVE-EXPIRE/RELOAD...):
# a missing DEBUG subcommand shows up as a failure with its reason, not as a silent skip.
set -uo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
UNITS=(unit/type/string unit/type/incr unit/keyspace unit/expire unit/protocol unit/scan
       unit/quit unit/info-command unit/dump
       unit/type/hash unit/type/list unit/type/list-2 unit/type/list-3 unit/type/set
       unit/type/zset unit/multi unit/pubsub unit/bitops unit/bitfield unit/hyperloglog
       unit/sort)

redis_src="${REDIS_SRC:-}"
if [ $# -gt 0 ] && [ -f "$1/tests/test_helper.tcl" ]; then
  redis_src="$1"
  shift
fi
if [ -z "$redis_src" ] || [ ! -f "$redis_src/tests/test_helper.tcl" ]; then
  echo "usage: $0 REDIS_SRC [unit ...]  (REDIS_SRC/tests/test_helper.tcl must exist)" >&2
  echo "  e.g. git -C <redis.git> archive 7.0.15 tests | tar -x -C /tmp/redis-7.0.15" >&2
  exit 2
fi
redis_src="$(cd "$redis_src" && pwd)"
[ $# -gt 0 ] && UNITS=("$@")

ferrite="${FERRITE_BIN:-$repo_root/build/release/ferrite}"
if [ ! -x "$ferrite" ]; then
  echo "ferrite binary not found at $ferrite (set FERRITE_BIN or build it)" >&2
  exit 2
fi
command -v tclsh >/dev/null || { echo "tclsh not found (apt-get install tcl)" >&2; exit 2; }

tags="${TCL_TAGS--needs:repl}"
run_dir="$redis_src"
if [ "${TCL_SKIP_FUNCTION_FLUSH:-0}" = 1 ]; then
  run_dir="$(mktemp -d /tmp/ferrite-tcl-src.XXXXXX)"
  cp -r "$redis_src/tests" "$run_dir/tests"
  sed -i '/^    r function flush$/d' "$run_dir/tests/support/server.tcl"
  echo "diagnostic mode: FUNCTION FLUSH removed from the suite's setup (copy in $run_dir)"
fi
log_dir="${TCL_LOG_DIR:-$(mktemp -d /tmp/ferrite-tcl.XXXXXX)}"
mkdir -p "$log_dir"

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ping() {  # port
  for _ in $(seq 1 200); do
    if [ "$(printf 'PING\r\n' | timeout 1 redis-cli -p "$1" 2>/dev/null)" = "PONG" ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null' EXIT

summary="| unit | passed | failed | skipped | server exit |\n|---|---|---|---|---|\n"
total_ok=0
total_err=0
status=0
for unit in "${UNITS[@]}"; do
  name="${unit//\//_}"
  port="$(free_port)"
  mkdir -p "$log_dir/$name.data"
  FERRITE_METRICS_ENABLED="${FERRITE_METRICS_ENABLED:-false}" "$ferrite" --port "$port" \
    --bind 127.0.0.1 --threads 2 --dir "$log_dir/$name.data" >"$log_dir/$name.server.log" 2>&1 &
  pid=$!
  if ! wait_ping "$port"; then
    echo "$unit: ferrite did not start (see $log_dir/$name.server.log)"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    summary+="| $unit | 0 | start failed | - | - |\n"
    status=1
    continue
  fi
  # --durable: a test that raises (e.g. an unknown command) counts as failed and the unit goes
  # on, instead of the first exception aborting the rest of the unit.
  # --baseport: the suite's own control socket listens on a port below it; a random base keeps
  # two concurrent runs (other checkouts, other users) from colliding on the default 21079.
  args=(--host 127.0.0.1 --port "$port" --single "$unit" --timeout 600 --clients 1 --durable
        --baseport $((30000 + RANDOM % 25000)))
  [ -n "$tags" ] && args+=(--tags "$tags")
  echo "== $unit (ferrite pid $pid, port $port): tclsh tests/test_helper.tcl ${args[*]}"
  (cd "$run_dir" && timeout 1200 tclsh tests/test_helper.tcl "${args[@]}") \
    >"$log_dir/$name.log" 2>&1
  tcl_rc=$?
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
      server_exit="hung on SIGTERM"
    fi
  fi
  wait "$pid" 2>/dev/null
  code=$?
  server_exit="${server_exit:-$code}"
  [ "$server_exit" = "0" ] || status=1
  sed -i 's/\x1b\[[0-9;]*m//g' "$log_dir/$name.log"  # the suite colours its status words
  ok=$(grep -c '^\[ok\]:' "$log_dir/$name.log")
  err=$(grep -c '^\[err\]:\|^\[exception\]:' "$log_dir/$name.log")
  skip=$(grep -c '^\[skip\]:\|^\[ignore\]:' "$log_dir/$name.log")
  if [ "$tcl_rc" -ne 0 ] && [ "$err" -eq 0 ]; then
    err=1  # the run aborted (timeout, crash) without an [err] line
    echo "  (test_helper exited with $tcl_rc; see $log_dir/$name.log)"
  fi
  total_ok=$((total_ok + ok))
  total_err=$((total_err + err))
  [ "$err" -eq 0 ] || status=1
  echo "   passed $ok, failed $err, skipped $skip, server exit $server_exit"
  # Each failure with the first line of its reason.
  grep -A1 '^\[err\]:\|^\[exception\]:' "$log_dir/$name.log" | grep -v '^--$' | sed 's/^/   /'
  summary+="| $unit | $ok | $err | $skip | $server_exit |\n"
  unset server_exit
done

echo
printf "%b" "$summary"
[ -n "${TCL_SUMMARY:-}" ] && printf "%b" "$summary" >"$TCL_SUMMARY"
echo "logs: $log_dir"
echo "Tcl suite: $total_ok passed, $total_err failed"
exit $status
