#!/usr/bin/env python3
"""Restart after a larger-than-memory load: every key is back (issue #7).

Ferrite runs with a 64 MB memory budget (1 MB pages), the AOF on (everysec) and checkpoints. The
test writes about five times the budget (1 KiB strings plus hashes, lists, sets and sorted sets),
checks that INFO hybridlog shows data on disk, takes a BGSAVE, writes more after it (so recovery
needs the checkpoint *and* the AOF tail), then restarts the server twice:
  (a) SIGTERM (clean shutdown, final checkpoint) and
  (b) SIGKILL (crash: newest checkpoint + AOF replay),
and after each restart checks DBSIZE and every string and every collection.

    /usr/bin/python3 -m unittest -v larger_than_memory_test      (from tests/recovery)

FERRITE_BIN names the binary (CMake sets it); else build/*/ferrite. Needs python3-redis.
LTM_STRING_KEYS overrides the number of 1 KiB strings (default 300000, ~300 MB of values).
"""
import hashlib
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from ferrite_server import ServerProcess  # noqa: E402

STRING_KEYS = int(os.environ.get("LTM_STRING_KEYS", "300000"))
TAIL_KEYS = 20000            # strings written after the BGSAVE: recovered from the AOF tail
COLLECTIONS = 200            # of each type
MEMBERS = 100                # per collection
BATCH = 1000


def str_value(i):
    head = hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest()
    return (head * 32)[:1024]


def hash_fields(c):
    return {f"f{j}": f"h{c}-{j}" for j in range(MEMBERS)}


def list_items(c):
    return [f"l{c}-{j}" for j in range(MEMBERS)]


def set_members(c):
    return {f"s{c}-{j}" for j in range(MEMBERS)}


def zset_members(c):
    return {f"z{c}-{j}": float(j * 1.5 + c) for j in range(MEMBERS)}


class LargerThanMemoryRecovery(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess(extra_args=[])
        os.environ["FERRITE_STORAGE_MAX_MEMORY"] = "64mb"
        os.environ["FERRITE_STORAGE_PAGE_SIZE"] = "1mb"
        os.environ["FERRITE_PERSISTENCE_AOF_ENABLED"] = "yes"
        os.environ["FERRITE_PERSISTENCE_AOF_SYNC"] = "everysec"
        os.environ["FERRITE_PERSISTENCE_CHECKPOINT_INTERVAL"] = "0"  # only our BGSAVE
        self.addCleanup(self._cleanup_env)
        self.addCleanup(self.server.cleanup)
        self.server.start()

    def _cleanup_env(self):
        for k in ("FERRITE_STORAGE_MAX_MEMORY", "FERRITE_STORAGE_PAGE_SIZE",
                  "FERRITE_PERSISTENCE_AOF_ENABLED", "FERRITE_PERSISTENCE_AOF_SYNC",
                  "FERRITE_PERSISTENCE_CHECKPOINT_INTERVAL"):
            os.environ.pop(k, None)

    def _fail(self, msg):
        self.fail(f"{msg}\n--- server log ---\n{self.server.log_text()[-3000:]}")

    # --- load -------------------------------------------------------------------------------

    def _write_strings(self, r, lo, hi):
        for base in range(lo, hi, BATCH):
            p = r.pipeline(transaction=False)
            for i in range(base, min(base + BATCH, hi)):
                p.set(f"s:{i}", str_value(i))
            p.execute()

    def _write_collections(self, r):
        p = r.pipeline(transaction=False)
        for c in range(COLLECTIONS):
            p.hset(f"h:{c}", mapping=hash_fields(c))
            p.rpush(f"l:{c}", *list_items(c))
            p.sadd(f"set:{c}", *set_members(c))
            p.zadd(f"z:{c}", zset_members(c))
        p.execute()

    # --- check ------------------------------------------------------------------------------

    def _check_all(self, r, label, n):
        self.assertEqual(r.dbsize(), n + 4 * COLLECTIONS, f"{label}: DBSIZE")
        for base in range(0, n, BATCH):
            keys = [f"s:{i}" for i in range(base, min(base + BATCH, n))]
            got = r.mget(keys)
            for i, v in zip(range(base, base + len(keys)), got):
                if v != str_value(i).encode():
                    self._fail(f"{label}: s:{i} = {v[:40] if v else v!r}")
        p = r.pipeline(transaction=False)
        for c in range(COLLECTIONS):
            p.hgetall(f"h:{c}")
            p.lrange(f"l:{c}", 0, -1)
            p.smembers(f"set:{c}")
            p.zrange(f"z:{c}", 0, -1, withscores=True)
        res = p.execute()
        for c in range(COLLECTIONS):
            h, lst, st, z = res[4 * c:4 * c + 4]
            self.assertEqual({k.decode(): v.decode() for k, v in h.items()}, hash_fields(c),
                             f"{label}: h:{c}")
            self.assertEqual([x.decode() for x in lst], list_items(c), f"{label}: l:{c}")
            self.assertEqual({x.decode() for x in st}, set_members(c), f"{label}: set:{c}")
            self.assertEqual({k.decode(): s for k, s in z}, zset_members(c), f"{label}: z:{c}")

    def _wait_bgsave(self, r, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = r.info("persistence")
            if info.get("rdb_bgsave_in_progress") == 0 and info.get("rdb_saves", 0) >= 1:
                self.assertEqual(info.get("rdb_last_bgsave_status"), "ok")
                return
            time.sleep(0.2)
        self._fail("BGSAVE did not finish")

    def _restart(self, sig):
        code = self.server.stop(sig=sig, timeout=60)
        if sig == signal.SIGTERM:
            self.assertEqual(code, 0, "clean shutdown exit code")
        t0 = time.monotonic()
        self.server.start(timeout=120, port=self.server.port)
        return time.monotonic() - t0

    def test_restart_after_larger_than_memory_load(self):
        r = self.server.client(socket_timeout=60)
        self._write_strings(r, 0, STRING_KEYS)
        self._write_collections(r)
        hl = r.info("hybridlog")
        self.assertGreater(hl["hlog_bytes_disk"], 64 * 1024 * 1024,
                           f"expected data beyond the 64 MB budget on disk: {hl}")
        r.bgsave()
        self._wait_bgsave(r)
        # Written after the checkpoint: only the AOF tail has these.
        self._write_strings(r, STRING_KEYS, STRING_KEYS + TAIL_KEYS)
        time.sleep(2.5)  # everysec: let the last second reach the disk before the SIGKILL
        self._check_all(r, "before restart", STRING_KEYS + TAIL_KEYS)
        r.close()

        took = self._restart(signal.SIGTERM)
        r = self.server.client(socket_timeout=60)
        self._check_all(r, "after SIGTERM restart", STRING_KEYS + TAIL_KEYS)
        # The SIGTERM took a final checkpoint: write past it so the SIGKILL recovery replays an
        # AOF tail again.
        self._write_strings(r, STRING_KEYS + TAIL_KEYS, STRING_KEYS + 2 * TAIL_KEYS)
        time.sleep(2.5)
        r.close()
        print(f"\nSIGTERM restart: PING after {took:.2f} s", file=sys.stderr)

        took = self._restart(signal.SIGKILL)
        r = self.server.client(socket_timeout=60)
        self._check_all(r, "after SIGKILL restart", STRING_KEYS + 2 * TAIL_KEYS)
        hl = r.info("hybridlog")
        self.assertGreater(hl["hlog_bytes_disk"], 0, f"recovered data not on disk: {hl}")
        r.close()
        print(f"SIGKILL restart: PING after {took:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
