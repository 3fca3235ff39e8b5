#!/bin/sh
# Metrics-only overhead: redis-benchmark -P 16 against ferrite with [metrics] on vs off, in
# alternating rounds (telemetry off in both), printing SET/GET requests per second.
#   overhead_bench.sh <ferrite binary> [rounds=5] [requests=500000]
# Run on a quiet machine: the difference being measured is well under 1 %.
set -u
bin="$1"
rounds="${2:-5}"
requests="${3:-500000}"
i=0
r=1
while [ "$r" -le "$rounds" ]; do
  for mode in on off; do
    i=$((i + 1))
    dir=$(mktemp -d)
    port=$((21000 + i))
    if [ "$mode" = on ]; then en=true; else en=false; fi
    printf '[metrics]\nenabled = %s\nbind = "127.0.0.1"\nport = 0\n' "$en" > "$dir/f.toml"
    "$bin" --config "$dir/f.toml" --port "$port" --bind 127.0.0.1 --threads 2 --dir "$dir" \
      > /dev/null 2>&1 &
    pid=$!
    sleep 0.5
    res=$(redis-benchmark -p "$port" -P 16 -c 50 -n "$requests" -t set,get --csv 2> /dev/null |
      grep -E '^"(SET|GET)"' | cut -d, -f1,2 | tr -d '"' | tr '\n' ' ')
    echo "round=$r metrics=$mode $res"
    kill "$pid"
    wait "$pid" 2> /dev/null
    rm -rf "$dir"
  done
  r=$((r + 1))
done
