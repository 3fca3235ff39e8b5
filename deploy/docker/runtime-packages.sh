#!/usr/bin/env bash
# Prints, one per line, the Debian packages that provide the shared libraries a binary links
# directly (its ELF NEEDED entries), as resolved on this machine. The Dockerfile runs it in the
# build stage so the runtime image installs exactly what the built binary needs; deploy/check.sh
# runs it on build/release/ferrite. apt pulls in the indirect dependencies.
# Usage: runtime-packages.sh BINARY
set -euo pipefail
bin="${1:?usage: runtime-packages.sh BINARY}"
libs=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$libs" ] || { echo "runtime-packages: $bin links no shared library" >&2; exit 1; }
for lib in $libs; do
  # awk reads all of ldconfig's output (no early exit): an early exit would SIGPIPE ldconfig,
  # which pipefail turns into a spurious failure.
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|aarch64|AArch64/ && !f {print $NF; f=1}')
  [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !f {print $NF; f=1}')
  [ -n "$path" ] || { echo "runtime-packages: $lib not found by ldconfig" >&2; exit 1; }
  # /lib is a symlink to /usr/lib on Debian 12; dpkg knows the file under one of the two names.
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null ||
        dpkg -S "${path/#\/usr/}" 2>/dev/null) || { echo "runtime-packages: no package owns $path" >&2; exit 1; }
  echo "${pkg%%:*}"
done | sort -u
