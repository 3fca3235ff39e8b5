#!/usr/bin/env python3
"""CONFIG SET maxmemory resizes the storage engine's budget while serving (issue #3).

A server with storage.max_memory = 64mb and 1 MiB pages holds ~40 MB of strings in memory; then
CONFIG SET maxmemory 24mb makes the engine flush and evict pages until its own accounting
(INFO hybridlog: hlog_memory_used) fits the new budget, and every key still reads back exactly
(from disk now). A budget below the hash index plus fixed buffers is refused with Redis's CONFIG
SET error format and changes nothing; raising it again lets the in-memory log grow back.

    /usr/bin/python3 -m unittest -v maxmemory_runtime_test      (from tests/integration)

FERRITE_BIN names the binary (CMake sets it); else build/*/ferrite.
"""

import os
import sys
import tempfile
import time
import unittest

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ferrite_server import ServerProcess  # noqa: E402

MIB = 1 << 20
KEYS = 40000


def value(i, version=1):
    return (f"{i}:{version}:" * 200)[:1000].encode()


def hybridlog(client):
    return client.info("hybridlog")


class MaxMemoryRuntimeTest(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess(kind="ferrite", threads=2)
        self.server.workdir = tempfile.mkdtemp(prefix="ferrite-maxmemory-")
        config = os.path.join(self.server.workdir, "ferrite.toml")
        with open(config, "w") as f:
            f.write('[storage]\nmax_memory = "64mb"\npage_size = "1mb"\n'
                    '[persistence]\naof_enabled = false\ncheckpoint_interval = 0\n')
        self.server.extra_args = ["--config", config]
        self.server.start()
        self.client = redis.Redis(port=self.server.port, socket_timeout=60)

    def tearDown(self):
        self.client.close()
        self.assertEqual(self.server.stop(), 0, self.server.log_text()[-2000:])

    def write(self, first, last, version=1):
        pipe = self.client.pipeline(transaction=False)
        for i in range(first, last):
            pipe.set(f"k:{i}", value(i, version))
            if len(pipe) == 500:
                self.assertTrue(all(pipe.execute()))
        if len(pipe):
            self.assertTrue(all(pipe.execute()))

    def read_all(self, last):
        for first in range(0, last, 500):
            keys = [f"k:{i}" for i in range(first, min(first + 500, last))]
            got = self.client.mget(keys)
            for i, v in zip(range(first, first + len(keys)), got):
                self.assertEqual(v, value(i), f"k:{i}")

    def wait_memory_within(self, budget, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            used = int(hybridlog(self.client)["hlog_memory_used"])
            if used <= budget:
                return used
            time.sleep(0.05)
        self.fail(f"hlog_memory_used {used} still above {budget} after {timeout} s")

    def test_shrink_refuse_and_grow_back(self):
        self.assertEqual(self.client.config_get("maxmemory"), {"maxmemory": str(64 * MIB)})
        self.write(0, KEYS)
        before = hybridlog(self.client)
        in_memory_before = int(before["hlog_bytes_mutable"]) + int(before["hlog_bytes_read_only"])
        self.assertGreater(in_memory_before, 30 * MIB)

        self.assertTrue(self.client.config_set("maxmemory", "24mb"))
        self.assertEqual(self.client.config_get("maxmemory"), {"maxmemory": str(24 * MIB)})
        self.assertEqual(int(self.client.info("memory")["maxmemory"]), 24 * MIB)
        self.wait_memory_within(24 * MIB)
        after = hybridlog(self.client)
        in_memory_after = int(after["hlog_bytes_mutable"]) + int(after["hlog_bytes_read_only"])
        self.assertLess(in_memory_after, 16 * MIB)
        self.assertGreater(int(after["hlog_bytes_disk"]), 20 * MIB)
        self.read_all(KEYS)
        self.assertEqual(self.client.dbsize(), KEYS)
        self.wait_memory_within(24 * MIB)

        with self.assertRaises(redis.ResponseError) as err:
            self.client.config_set("maxmemory", "1mb")
        self.assertIn("CONFIG SET failed (possibly related to argument 'maxmemory')",
                      str(err.exception))
        self.assertIn("maxmemory must be at least", str(err.exception))
        self.assertEqual(self.client.config_get("maxmemory"), {"maxmemory": str(24 * MIB)})

        self.assertTrue(self.client.config_set("maxmemory", "64mb"))
        self.write(KEYS, KEYS + 30000)
        grown = hybridlog(self.client)
        in_memory_grown = int(grown["hlog_bytes_mutable"]) + int(grown["hlog_bytes_read_only"])
        self.assertGreater(in_memory_grown, 24 * MIB)
        self.assertLessEqual(int(grown["hlog_memory_used"]), 64 * MIB)
        self.assertGreater(int(grown["hlog_index_buckets"]), 0)
        self.read_all(KEYS)


if __name__ == "__main__":
    unittest.main()
