#!/usr/bin/env bash
# Runs one node --test file of tests/integration/node against the ferrite binary in FERRITE_BIN.
# Exits 77 (ctest's SKIP_RETURN_CODE) when node or the npm packages are missing: run
# `cd tests && npm ci` (scripts/install-deps.sh does) to get them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
file="$1"
package="$2"
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed"
  exit 77
fi
if [ ! -d "$here/../node_modules/$package" ]; then
  echo "SKIP: tests/node_modules/$package is missing (run: cd tests && npm ci)"
  exit 77
fi
cd "$here/node"
exec node --test --test-reporter=spec "$file"
