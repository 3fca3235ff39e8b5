#!/usr/bin/env python3
"""Checkpoint (BGSAVE) time of a larger-than-memory data set, for one or more Ferrite binaries.

    /usr/bin/python3 bench/checkpoint_time.py N --ferrite A [--ferrite B ...] [--rounds 2]
        [--value-size 100] [--max-memory 64mb] [--csv bench/results/<stamp>-checkpoint.csv]

For each round and each binary (interleaved: A, B, A, B, ...): start the binary with the AOF off,
no periodic checkpoints, 1 MB pages and `storage.max_memory` small enough that most of the log is on disk,
load N keys ("key:<i>", --value-size bytes) through `redis-cli --pipe`, check that INFO shows
bytes on disk, then BGSAVE and time it (wall clock, polling INFO persistence every 20 ms),
together with the server's CPU time, its disk reads (/proc/<pid>/io read_bytes and syscr) and the
log bytes on disk after the checkpoint (a scan that copies records back to the tail grows the
log). The checkpoint's key count (from the log line) must equal N. One CSV row per run.
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "recovery"))
from recovery_time import free_port, load  # noqa: E402


def proc_io(pid):
    out = {}
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            k, v = line.split(":")
            out[k.strip()] = int(v)
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(binary, n, value_size, max_memory):
    work = tempfile.mkdtemp(prefix="ferrite-ckpt-bench.")
    port = free_port()
    env = dict(os.environ, FERRITE_METRICS_ENABLED="false", FERRITE_PERSISTENCE_AOF_ENABLED="no",
               FERRITE_PERSISTENCE_CHECKPOINT_INTERVAL="0", FERRITE_STORAGE_MAX_MEMORY=max_memory,
               FERRITE_STORAGE_PAGE_SIZE="1mb")
    log_path = os.path.join(work, "server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--threads",
                                   "2", "--dir", os.path.join(work, "data")], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        r = redis.Redis(port=port)
        for _ in range(200):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        load(port, n, value_size)
        if r.dbsize() != n:
            sys.exit(f"DBSIZE {r.dbsize()} != {n}")
        disk_before = int(r.info("hybridlog").get("hlog_bytes_disk", 0))
        if disk_before == 0:
            sys.exit("nothing on disk: lower --max-memory or raise N")
        io0, cpu0 = proc_io(server.pid), cpu_seconds(server.pid)
        t0 = time.monotonic()
        r.bgsave()
        while True:
            time.sleep(0.02)
            if int(r.info("persistence")["rdb_bgsave_in_progress"]) == 0:
                break
        seconds = time.monotonic() - t0
        io1, cpu1 = proc_io(server.pid), cpu_seconds(server.pid)
        if r.info("persistence")["rdb_last_bgsave_status"] != "ok":
            sys.exit("BGSAVE failed; log: " + open(log_path).read()[-2000:])
        disk_after = int(r.info("hybridlog").get("hlog_bytes_disk", 0))
        saved = re.findall(r"saved: (\d+) keys", open(log_path).read())
        keys = int(saved[-1]) if saved else -1
        if keys != n:
            sys.exit(f"checkpoint saved {keys} keys, expected {n}")
        return {"seconds": seconds, "cpu_s": cpu1 - cpu0,
                "read_mb": (io1["read_bytes"] - io0["read_bytes"]) / 2**20,
                "read_calls": io1["syscr"] - io0["syscr"], "disk_mb_before": disk_before / 2**20,
                "disk_mb_after": disk_after / 2**20, "keys": keys}
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--ferrite", action="append", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--max-memory", default="64mb")
    ap.add_argument("--csv")
    args = ap.parse_args()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = args.csv or f"bench/results/{stamp}-checkpoint.csv"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cols = ["round", "binary", "keys", "seconds", "cpu_s", "read_mb", "read_calls",
            "disk_mb_before", "disk_mb_after", "load1"]
    with open(path, "w") as out:
        out.write(",".join(cols) + "\n")
        for rnd in range(1, args.rounds + 1):
            for binary in args.ferrite:
                row = run_one(binary, args.n, args.value_size, args.max_memory)
                row.update(round=rnd, binary=binary, load1=os.getloadavg()[0])
                line = ",".join(f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c])
                                for c in cols)
                print(line, flush=True)
                out.write(line + "\n")
    print(f"raw rows: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
