#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (preset `fuzz`) and runs each for FUZZ_SECONDS
# (default 60) over its corpus in fuzz/corpus/<target> with the RESP dictionary. New inputs
# that increase coverage land in build/fuzz/corpus-<target>/, not in the checked-in corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
cmake --preset fuzz >/dev/null
targets=$(find src -name '*_fuzz.cc' -printf '%f\n' | sed 's/\.cc$//' | sort)
cmake --build build/fuzz -j "${JOBS:-2}" --target $targets
for t in $targets; do
  seed="fuzz/corpus/${t%_fuzz}"
  work="build/fuzz/corpus-$t"
  mkdir -p "$work"
  echo "fuzzing $t for ${seconds}s"
  bin=$(find build/fuzz -type f -name "$t" -perm -u+x | head -1)
  "$bin" -max_total_time="$seconds" -dict=fuzz/dict/resp.dict -print_final_stats=1 \
    "$work" "$seed" 2>&1 | tail -5
done
