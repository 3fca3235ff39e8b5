#!/bin/sh
# promtool check metrics on the text exposition of a fully populated registry.
# Current names must lint clean. Seed names lint clean except for the one finding the seed's
# own name causes: ferrite.keys.total is a gauge, and promtool wants _total only on counters.
set -u
dump="$1"
promtool="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$dump" text current > "$tmp/current.txt" || exit 1
if ! "$promtool" check metrics < "$tmp/current.txt" > "$tmp/current.out" 2>&1; then
  echo "promtool rejected the current-scheme exposition:"; cat "$tmp/current.out"; exit 1
fi

"$dump" text seed > "$tmp/seed.txt" || exit 1
"$promtool" check metrics < "$tmp/seed.txt" > "$tmp/seed.out" 2>&1
rc=$?
expected='ferrite_keys_total non-counter metrics should not have "_total" suffix'
if [ "$rc" -ne 0 ] && [ "$(cat "$tmp/seed.out")" != "$expected" ]; then
  echo "promtool (seed scheme) rc=$rc:"; cat "$tmp/seed.out"; exit 1
fi

"$dump" text both > "$tmp/both.txt" || exit 1
"$promtool" check metrics < "$tmp/both.txt" > "$tmp/both.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$(cat "$tmp/both.out")" != "$expected" ]; then
  echo "promtool (both schemes) rc=$rc:"; cat "$tmp/both.out"; exit 1
fi
grep -q '^ferrite_command_duration_bucket{command="CMD0",le="+Inf"} 20$' "$tmp/seed.txt" || {
  echo "missing histogram series"; exit 1; }
echo "promtool: ok"
