# Helpers sourced by the bench/ scripts.

# A free TCP port on 127.0.0.1.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for the server on port $1 to answer PING.
wait_ping() {
  for _ in $(seq 1 200); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not answer PING" >&2
  return 1
}

# A field of /proc/<pid $1>/status in kB, e.g. status_kb "$pid" VmRSS.
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# utime + stime of process $1 (all its threads), in seconds.
cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# Exits with status 2, naming it, at the first of the given commands that is not installed.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool" >&2; exit 2; }
  done
}

# The commit a run measures, for result file names and docs: BENCH_COMMIT when set (it names
# the source of a binary built earlier, e.g. "a0e47ee+dirty": the tree may have moved on since
# the build), else HEAD, with "+dirty" when src/ has uncommitted changes.
bench_commit() {
  if [ -n "${BENCH_COMMIT:-}" ]; then
    echo "$BENCH_COMMIT"
  elif git diff --quiet HEAD -- src 2>/dev/null; then
    git rev-parse --short HEAD 2>/dev/null || echo unknown
  else
    echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)+dirty"
  fi
}
