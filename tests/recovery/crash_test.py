#!/usr/bin/env python3
"""Crash test: concurrent writes with aof_sync = "always", SIGKILL at random moments, restart,
and check that every acknowledged write is present and nothing half-written is visible.

    python3 tests/recovery/crash_test.py --ferrite build/release/ferrite [--kills 20]
        [--sync always|everysec] [--clients 8]

Each client owns its keys. For a SET key it remembers the last acknowledged sequence number and
the last one it sent; for an INCR counter, the acknowledged and the sent counts. After a restart:
  - a SET key holds a well-formed value (its own key, a sequence number, a checksum) whose number
    is >= the last acknowledged one and <= the last sent one;
  - a counter is >= its acknowledged count and <= its sent count;
  - HSET fields (when the server has HSET) follow the SET rule.
With --sync everysec the check is the documented bound instead: every acknowledged write that is
missing after a restart was acknowledged at most --loss-bound seconds (default 2) before the kill;
the test reports how many were lost per kill and the age of the oldest one.
Exit status 0 when every round passes. Needs python3-redis.
"""
import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def value_for(key, seq):
    body = f"{key}:{seq}:" + "x" * (seq % 97)
    return f"{body}:{zlib.crc32(body.encode()):08x}"


def parse_value(key, value):
    body, _, crc = value.rpartition(":")
    if f"{zlib.crc32(body.encode()):08x}" != crc:
        raise AssertionError(f"{key}: half-written or corrupt value {value[:80]!r}")
    # Keys contain ':' themselves: the value is "<key>:<seq>:<padding>".
    if not body.startswith(key + ":"):
        raise AssertionError(f"{key}: holds another key's value {value[:80]!r}")
    seq, _, _ = body[len(key) + 1:].partition(":")
    return int(seq)


class Client(threading.Thread):
    def __init__(self, port, cid, use_hash, state, acks):
        super().__init__(daemon=True)
        self.port, self.cid, self.use_hash, self.state = port, cid, use_hash, state
        self.acks = acks  # key -> {acknowledged number: time.monotonic() of the reply}
        self.stop = False

    def acked(self, key, number):
        self.acks.setdefault(key, {})[number] = time.monotonic()

    def run(self):
        r = redis.Redis(port=self.port, socket_timeout=10)
        rng = random.Random(self.cid)
        try:
            while not self.stop:
                op = rng.randrange(3 if self.use_hash else 2)
                n = rng.randrange(20)
                if op == 0:
                    key = f"c{self.cid}:s{n}"
                    st = self.state.setdefault(key, [0, 0])
                    seq = st[1] + 1
                    st[1] = seq  # sent
                    r.set(key, value_for(key, seq))
                    st[0] = seq  # acknowledged
                    self.acked(key, seq)
                elif op == 1:
                    key = f"c{self.cid}:n{n}"
                    st = self.state.setdefault(key, [0, 0])
                    st[1] += 1
                    r.incr(key)
                    st[0] += 1
                    self.acked(key, st[0])
                else:
                    key = f"c{self.cid}:h"
                    field = f"f{n}"
                    st = self.state.setdefault((key, field), [0, 0])
                    seq = st[1] + 1
                    st[1] = seq
                    r.hset(key, field, value_for(f"{key}/{field}", seq))
                    st[0] = seq
                    self.acked((key, field), seq)
        except (redis.ConnectionError, redis.TimeoutError, ConnectionResetError, OSError):
            return


def start(ferrite, config, port):
    env = dict(os.environ, FERRITE_METRICS_ENABLED="false")  # no fixed-port metrics endpoint
    proc = subprocess.Popen([ferrite, "--port", str(port), "--config", config], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if redis.Redis(port=port, socket_timeout=1).ping():
                return proc
        except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
            if proc.poll() is not None:
                raise RuntimeError("ferrite exited: " + proc.stderr.read().decode(errors="replace"))
            time.sleep(0.05)
    raise RuntimeError("ferrite did not start")


def verify(port, state, strict, acks, kill_time, loss_bound):
    """Returns (acknowledged writes lost, age in seconds at the kill of the oldest lost one)."""
    r = redis.Redis(port=port, decode_responses=True)
    missing = 0
    oldest = 0.0
    for key, (acked, sent) in state.items():
        if isinstance(key, tuple):
            raw = r.hget(key[0], key[1])
            got = 0 if raw is None else parse_value(f"{key[0]}/{key[1]}", raw)
        elif ":n" in key:
            raw = r.get(key)
            got = 0 if raw is None else int(raw)
        else:
            raw = r.get(key)
            got = 0 if raw is None else parse_value(key, raw)
        if got > sent:
            raise AssertionError(f"{key}: {got} is more than was ever sent ({sent})")
        if got < acked:
            if strict:
                raise AssertionError(f"{key}: acknowledged {acked}, found {got}")
            missing += acked - got
            # The first write lost is the oldest one: when was it acknowledged?
            acked_at = acks.get(key, {}).get(got + 1)
            if acked_at is None:
                raise AssertionError(f"{key}: lost write {got + 1} acknowledged in an earlier round")
            age = kill_time - acked_at
            oldest = max(oldest, age)
            if age > loss_bound:
                raise AssertionError(f"{key}: lost write {got + 1} acknowledged {age:.2f}s before "
                                     f"the kill (bound {loss_bound}s)")
        # What survived is now the truth for the next round.
        state[key] = [got, got]
    acks.clear()
    return missing, oldest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ferrite", default=os.environ.get("FERRITE_BIN", "build/release/ferrite"))
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--sync", default="always", choices=["always", "everysec"])
    ap.add_argument("--loss-bound", type=float, default=2.0,
                    help="everysec: seconds before the kill a lost write may have been acknowledged")
    ap.add_argument("--checkpoint-interval", type=int, default=0,
                    help="persistence.checkpoint_interval (checkpoints during the load)")
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ferrite_crash_")
    config = os.path.join(work, "ferrite.toml")
    with open(config, "w") as f:
        f.write(f'[storage]\ndir = "{work}/data"\n\n'
                f'[persistence]\naof_enabled = true\naof_sync = "{args.sync}"\n'
                f'checkpoint_interval = {args.checkpoint_interval}\n')
    os.makedirs(os.path.join(work, "data"), exist_ok=True)
    port = free_port()
    state = {}
    acks = {}
    rng = random.Random(1234)
    proc = start(args.ferrite, config, port)
    try:
        r = redis.Redis(port=port)
        try:
            r.hset("probe", "f", "v")
            r.delete("probe")
            use_hash = True
        except redis.ResponseError:
            use_hash = False
            print("HSET not available: SET and INCR only")
        for round_no in range(1, args.kills + 1):
            clients = [Client(port, c, use_hash, state, acks) for c in range(args.clients)]
            for c in clients:
                c.start()
            time.sleep(rng.uniform(0.2, 1.5))
            if args.checkpoint_interval == 0 and round_no % 4 == 0:
                try:  # a checkpoint in flight or just taken when the kill comes
                    redis.Redis(port=port).bgsave()
                except redis.ResponseError:
                    pass  # one is already running
                time.sleep(rng.uniform(0.0, 0.5))
            kill_time = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            for c in clients:
                c.stop = True
                c.join(timeout=15)
            t0 = time.time()
            proc = start(args.ferrite, config, port)
            restart = time.time() - t0
            missing, oldest = verify(port, state, args.sync == "always", acks, kill_time,
                                     args.loss_bound)
            acked = sum(v[0] for v in state.values())
            print(f"kill {round_no}/{args.kills}: restart {restart:.2f}s, {len(state)} keys, "
                  f"{acked} writes acknowledged in total, {missing} acknowledged writes lost"
                  + (f" (oldest acknowledged {oldest:.3f}s before the kill)" if missing else ""),
                  flush=True)
        print("PASS")
        return 0
    except AssertionError as e:
        print(f"FAIL: {e}")
        return 1
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"data kept in {work}")


if __name__ == "__main__":
    sys.exit(main())
