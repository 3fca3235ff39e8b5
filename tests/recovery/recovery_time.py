#!/usr/bin/env python3
"""Recovery time (issue #7): load N keys, restart Ferrite, report how long startup takes.

    /usr/bin/python3 tests/recovery/recovery_time.py [N] [--ferrite PATH] [--value-size 16]
        [--max-memory 1gb] [--aof-only] [--keep]

Loads N distinct string keys ("key:<i>", values of --value-size bytes) through `redis-cli --pipe`
into a Ferrite with the AOF on (everysec) and the default checkpoint settings, then:
  1. SIGTERM (clean shutdown takes a final checkpoint), restart: recovery = checkpoint load;
  2. with --aof-only also: SIGTERM, delete the checkpoints, restart: recovery = full AOF replay.
For each restart it prints the wall time from exec to the first PING answered, the recovery lines
of the startup log (their own "in S seconds") and the DBSIZE after it. Not a ctest: N defaults to
10,000,000 and the run takes minutes. Needs redis-cli and python3-redis.
"""
import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16) == b"+PONG\r\n"
    except OSError:
        return False


class Server:
    def __init__(self, binary, workdir, port, max_memory):
        self.binary, self.workdir, self.port = binary, workdir, port
        self.env = dict(os.environ, FERRITE_METRICS_ENABLED="false",
                        FERRITE_PERSISTENCE_AOF_ENABLED="yes",
                        FERRITE_PERSISTENCE_AOF_SYNC="everysec",
                        FERRITE_STORAGE_MAX_MEMORY=max_memory)
        self.proc = None
        self.log_path = os.path.join(workdir, "server.log")

    def start(self, timeout=3600):
        log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--threads", "2",
             "--dir", os.path.join(self.workdir, "data")],
            cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        log.close()
        while not ping(self.port):
            if self.proc.poll() is not None:
                sys.exit(f"ferrite exited with {self.proc.returncode}:\n{self.log(log_start)}")
            if time.monotonic() - t0 > timeout:
                sys.exit("ferrite did not answer PING in time")
            time.sleep(0.01)
        return time.monotonic() - t0, self.log(log_start)

    def log(self, start=0):
        with open(self.log_path, "rb") as f:
            f.seek(start)
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=3600):
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        return code


def load(port, n, value_size):
    """Streams N SETs in RESP through redis-cli --pipe."""
    value = b"v" * value_size
    pipe = subprocess.Popen(["redis-cli", "-p", str(port), "--pipe"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunk = []
    for i in range(n):
        key = b"key:%d" % i
        chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                     % (len(key), key, value_size, value))
        if len(chunk) == 10000:
            pipe.stdin.write(b"".join(chunk))
            chunk = []
    pipe.stdin.write(b"".join(chunk))
    pipe.stdin.close()
    out = pipe.stdout.read().decode()
    if pipe.wait() != 0 or "errors: 0" not in out:
        sys.exit(f"redis-cli --pipe failed: {out}")


def recovery_lines(text):
    keys = ("checkpoint", "append only file", "loaded", "loading", "ready to accept")
    return [line for line in text.splitlines() if any(k in line for k in keys)]


def report(label, took, log_text, r, n):
    size = r.dbsize()
    print(f"\n== {label}: first PING answered {took:.2f} s after exec; DBSIZE {size}")
    for line in recovery_lines(log_text):
        print("   " + line)
    if size != n:
        sys.exit(f"{label}: DBSIZE {size}, expected {n}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10_000_000)
    ap.add_argument("--ferrite", default=None)
    ap.add_argument("--value-size", type=int, default=16)
    ap.add_argument("--max-memory", default="1gb")
    ap.add_argument("--aof-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    args = ap.parse_args()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    binary = args.ferrite or os.environ.get("FERRITE_BIN") or next(
        p for p in [os.path.join(root, "build", "release", "ferrite")]
        + sorted(glob.glob(os.path.join(root, "build", "*", "ferrite"))) if os.access(p, os.X_OK))
    workdir = tempfile.mkdtemp(prefix="ferrite-recovery-time-")
    server = Server(os.path.abspath(binary), workdir, free_port(), args.max_memory)
    try:
        server.start()
        t0 = time.monotonic()
        load(server.port, args.n, args.value_size)
        r = redis.Redis(port=server.port, socket_timeout=3600)
        loaded = r.dbsize()
        print(f"loaded {loaded} keys ({args.value_size}-byte values) in "
              f"{time.monotonic() - t0:.1f} s; binary {binary}; max_memory {args.max_memory}")
        hl = r.info("hybridlog")
        print(f"hlog_bytes_disk {hl.get('hlog_bytes_disk')} "
              f"hlog_memory_used {hl.get('hlog_memory_used')}")
        r.close()
        t0 = time.monotonic()
        server.stop(signal.SIGTERM)
        print(f"SIGTERM shutdown (final checkpoint) took {time.monotonic() - t0:.2f} s")
        data = os.path.join(workdir, "data")
        print("data dir: " + ", ".join(
            f"{f} {os.path.getsize(os.path.join(data, f)) >> 20} MiB"
            for f in sorted(os.listdir(data)) if os.path.isfile(os.path.join(data, f))))

        took, text = server.start()
        r = redis.Redis(port=server.port, socket_timeout=3600)
        report("restart from the checkpoint", took, text, r, args.n)
        r.close()

        if args.aof_only:
            server.stop(signal.SIGTERM)
            for f in glob.glob(os.path.join(data, "checkpoint-*.fcp")):
                os.remove(f)
            took, text = server.start()
            r = redis.Redis(port=server.port, socket_timeout=3600)
            report("restart from the AOF alone (checkpoints deleted)", took, text, r, args.n)
            r.close()
        server.stop(signal.SIGTERM)
    finally:
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
        if args.keep:
            print(f"data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
