#!/usr/bin/python3
"""Lists every failed test of a run-redis-tcl.sh log directory as a markdown table: unit, test
name, and the first line of the reason (the Redis error or the failed assertion).

Usage: tests/compat/tcl_failures.py /tmp/ferrite-tcl.XXXXXX
"""

import glob
import os
import re
import sys


def failures(log_path):
    lines = open(log_path, encoding="utf-8", errors="replace").read().splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^\[(err|exception)\]: (.*?)(?: in tests/unit/\S+)?$", line)
        if not m:
            continue
        reason = ""
        for follow in lines[i + 1:i + 4]:
            follow = follow.strip()
            # A non-assertion error's first detail line is cut by the suite; the full message
            # follows it.
            if follow.startswith(("ERR ", "WRONGTYPE", "NOPROTO", "Expected", "assertion",
                                  "I/O error", "couldn't", "error")):
                reason = follow
                break
            if not reason:
                reason = follow
        out.append((m.group(2), reason))
    return out


def main():
    log_dir = sys.argv[1]
    print("| unit | test | reason |")
    print("|---|---|---|")
    for path in sorted(glob.glob(os.path.join(log_dir, "unit_*.log"))):
        if path.endswith(".server.log"):
            continue
        unit = os.path.basename(path)[:-4].replace("_", "/").replace("info-command", "info-command")
        for name, reason in failures(path):
            reason = reason.replace("|", "\\|")
            if len(reason) > 160:
                reason = reason[:157] + "..."
            print(f"| {unit} | {name} | {reason} |")


if __name__ == "__main__":
    main()
