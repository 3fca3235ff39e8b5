#!/usr/bin/env bash
# Checks everything under deploy/ that can be checked without Docker or Helm:
#   - every YAML/JSON file parses; Collector configs, compose files, Grafana provisioning and the
#     Helm chart are consistent (tools/check_deploy.py, on Debian's python3-yaml);
#   - prometheus.yml passes `promtool check config`, the dashboard's PromQL `promtool check rules`;
#   - the compose and image ferrite.toml files, and the Helm ConfigMap rendered from the chart
#     defaults and from helm/values.yaml, pass `ferrite --test-config`;
#   - the runtime packages the Dockerfile would install for the built binary exist in apt.
# Usage: deploy/check.sh [FERRITE_BINARY]  (default build/release/ferrite; FERRITE_BIN also works)
# Exits non-zero on the first failing group, after printing what failed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="${1:-${FERRITE_BIN:-$root/build/release/ferrite}}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

step() { printf 'deploy/check: %s\n' "$*"; }

# Debian's python3-yaml is installed for the system interpreter, not for a pyenv/venv one.
step "structure (tools/check_deploy.py)"
/usr/bin/python3 "$here/tools/check_deploy.py" "$here" "$out"

step "promtool check config prometheus.yml"
# The ferrite/otel-collector targets only resolve inside the compose network; promtool checks syntax
# and semantics, not reachability.
promtool check config "$here/prometheus.yml"
step "promtool check rules (dashboard PromQL)"
promtool check rules "$out/dashboard-rules.yml"

[ -x "$bin" ] || { echo "deploy/check: $bin not found; build it (make build) or pass its path" >&2; exit 1; }
for f in "$here/ferrite.toml" "$here/docker/ferrite.toml" "$out"/helm-*.toml; do
  step "ferrite --test-config ${f#"$out"/}"
  "$bin" --test-config --config "$f"
done
# The image's CMD adds --bind 0.0.0.0 to its file.
"$bin" --test-config --config "$here/docker/ferrite.toml" --bind 0.0.0.0 >/dev/null

step "runtime packages for $(basename "$bin")"
pkgs=$(bash "$here/docker/runtime-packages.sh" "$bin")
for p in $pkgs; do
  apt-cache show "$p" >/dev/null 2>&1 || { echo "deploy/check: runtime package $p unknown to apt" >&2; exit 1; }
done
echo "$pkgs" | tr '\n' ' '; echo
# Every build package the Dockerfile installs must be in scripts/install-deps.sh's list.
deps=$(sed -n '/^packages=(/,/^)/p' "$root/scripts/install-deps.sh")
build_pkgs=$(sed -n '/^FROM debian:12 AS build/,/^FROM /p' "$here/docker/Dockerfile" |
  sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9+.-]+$' |
  grep -vE '^(apt-get|install|rm|update|y|no|recommends)$' || true)
[ -n "$build_pkgs" ] || { echo "deploy/check: no build packages found in the Dockerfile" >&2; exit 1; }
for p in $build_pkgs; do
  grep -qw -- "$p" <<<"$deps" || { echo "deploy/check: Dockerfile installs $p, not in scripts/install-deps.sh" >&2; exit 1; }
done

step "OK"
