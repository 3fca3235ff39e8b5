"""DEBUG RELOAD / LOADAOF / DIGEST / DIGEST-VALUE / PROTOCOL and the CONFIG parameters the Redis
Tcl suite sets (rdb-key-save-delay, repl-ping-replica-period, replica-read-only), through Debian's
python3-redis against a real ferrite binary, plus raw-socket checks of DEBUG PROTOCOL's RESP3
bytes.

Run: FERRITE_BIN=build/server/ferrite /usr/bin/python3 -m unittest -v debug_reload_redis_py
(from tests/integration).
"""

import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import FerriteTestCase, encode_command  # noqa: E402


def fill_collections(r):
    r.set("s", "string value")
    r.set("n", 12345)
    r.rpush("l", "a", "b", "c", "a")
    r.sadd("set", "x", "y", "1", "2")
    r.hset("h", mapping={"f1": "v1", "f2": "v2"})
    r.zadd("z", {"m1": 1.5, "m2": -2, "m3": 1e300})
    r.set("ttl", "v", ex=1000)
    r.pexpire("l", 500000)


class DebugReload(FerriteTestCase):
    def dataset(self, r):
        return {
            "s": r.get("s"), "n": r.get("n"), "l": r.lrange("l", 0, -1),
            "set": sorted(r.smembers("set")), "h": r.hgetall("h"),
            "z": r.zrange("z", 0, -1, withscores=True), "keys": sorted(r.keys("*")),
        }

    def test_reload_keeps_every_type_and_ttl(self):
        r = self.r
        fill_collections(r)
        r.select(3)
        r.set("other-db", "x")
        r.select(0)
        before = self.dataset(r)
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertEqual(r.execute_command("DEBUG", "RELOAD"), b"OK")
        self.assertEqual(self.dataset(r), before)
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        self.assertTrue(990 <= r.ttl("ttl") <= 1000, r.ttl("ttl"))
        self.assertTrue(490000 <= r.pttl("l") <= 500000, r.pttl("l"))
        self.assertEqual(r.ttl("s"), -1)
        r.select(3)
        self.assertEqual(r.get("other-db"), b"x")
        r.select(0)

    def test_reload_really_loads_the_checkpoint(self):
        # NOSAVE loads the newest checkpoint: what changed after it is gone, as in Redis.
        r = self.r
        r.set("saved", "1")
        self.assertEqual(r.execute_command("DEBUG", "RELOAD"), b"OK")
        r.set("unsaved", "2")
        r.delete("saved")
        self.assertEqual(r.execute_command("DEBUG", "RELOAD", "NOSAVE"), b"OK")
        self.assertEqual(r.get("saved"), b"1")
        self.assertIsNone(r.get("unsaved"))

    def test_noflush_merge_and_duplicates(self):
        r = self.r
        r.set("k", "old")
        self.assertEqual(r.execute_command("DEBUG", "RELOAD"), b"OK")
        r.set("k", "new")
        r.set("extra", "e")
        # The checkpoint's "k" collides with the live one: nothing is loaded.
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")
        self.assertIn("Error trying to load the RDB dump", str(e.exception))
        self.assertEqual(r.get("k"), b"new")
        # MERGE replaces it and keeps keys the checkpoint does not have.
        self.assertEqual(r.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"), b"OK")
        self.assertEqual(r.get("k"), b"old")
        self.assertEqual(r.get("extra"), b"e")
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("DEBUG", "RELOAD", "BOGUS")
        self.assertEqual(str(e.exception),
                         "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")

    def test_reload_is_atomic_for_concurrent_writers(self):
        # Key commands on other connections never see a half-loaded data set, and none of their
        # acknowledged writes is lost by a reload (the save and the load hold every key stripe).
        r = self.r
        for i in range(2000):
            r.set(f"k{i}", i)
        stop = threading.Event()
        errors = []

        def writer(n):
            c = self.server.client()
            i = 0
            while not stop.is_set():
                c.incr(f"counter{n}")
                i += 1
                if c.get(f"counter{n}") != str(i).encode():
                    errors.append((n, i))
                if c.get("k1999") != b"1999":  # a key command never sees a partial load
                    errors.append("k1999")
            c.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        try:
            for _ in range(5):
                self.assertEqual(r.execute_command("DEBUG", "RELOAD"), b"OK")
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])

    def test_loadaof_reloads_the_append_only_file(self):
        r = self.r
        r.config_set("appendonly", "yes")
        deadline = time.time() + 10
        while r.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
        r.set("a", "1", ex=1000)
        r.rpush("lst", "x", "y")
        r.set("b", "2")
        r.delete("b")
        digest = r.execute_command("DEBUG", "DIGEST")
        self.assertEqual(r.execute_command("DEBUG", "LOADAOF"), b"OK")
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), digest)
        self.assertEqual(r.lrange("lst", 0, -1), [b"x", b"y"])
        self.assertIsNone(r.get("b"))
        self.assertTrue(990 <= r.ttl("a") <= 1000)
        r.config_set("appendonly", "no")


class Digests(FerriteTestCase):
    def test_digest_is_order_independent_and_content_sensitive(self):
        r = self.r
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), b"0" * 40)
        r.sadd("a", *[str(i) for i in range(100)])
        r.sadd("b", *[str(i) for i in reversed(range(100))])
        da, db = r.execute_command("DEBUG", "DIGEST-VALUE", "a", "b")
        self.assertEqual(da, db)
        self.assertEqual(len(da), 40)
        r.hset("h1", mapping={"x": "1", "y": "2"})
        r.hset("h2", mapping={"y": "2", "x": "1"})
        h1, h2, missing = r.execute_command("DEBUG", "DIGEST-VALUE", "h1", "h2", "nokey")
        self.assertEqual(h1, h2)
        self.assertEqual(missing, b"0" * 40)
        # Lists are ordered: a different order is a different digest.
        r.rpush("l1", "x", "y")
        r.rpush("l2", "y", "x")
        l1, l2 = r.execute_command("DEBUG", "DIGEST-VALUE", "l1", "l2")
        self.assertNotEqual(l1, l2)
        # Scores, types and expiries count.
        r.zadd("z1", {"m": 1})
        r.zadd("z2", {"m": 2})
        z1, z2 = r.execute_command("DEBUG", "DIGEST-VALUE", "z1", "z2")
        self.assertNotEqual(z1, z2)
        whole = r.execute_command("DEBUG", "DIGEST")
        r.expire("a", 100)
        self.assertNotEqual(r.execute_command("DEBUG", "DIGEST"), whole)
        r.persist("a")
        self.assertEqual(r.execute_command("DEBUG", "DIGEST"), whole)
        # The same keys in another database are another data set.
        r.move("l1", 5)
        self.assertNotEqual(r.execute_command("DEBUG", "DIGEST"), whole)

    def test_copy_keeps_value_digest(self):
        r = self.r
        r.zadd("src", {f"m{i}": i * 0.5 for i in range(300)})
        r.copy("src", "dst")
        s, d = r.execute_command("DEBUG", "DIGEST-VALUE", "src", "dst")
        self.assertEqual(s, d)


class DebugProtocol(FerriteTestCase):
    def raw(self, *commands):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            payload = b"".join(encode_command(*c) for c in commands)
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data
                data += chunk

    def test_resp3_types(self):
        out = self.raw(("HELLO", "3"), ("DEBUG", "PROTOCOL", "attrib"),
                       ("DEBUG", "PROTOCOL", "bignum"), ("DEBUG", "PROTOCOL", "true"),
                       ("DEBUG", "PROTOCOL", "false"), ("DEBUG", "PROTOCOL", "verbatim"),
                       ("DEBUG", "PROTOCOL", "map"), ("DEBUG", "PROTOCOL", "set"),
                       ("DEBUG", "PROTOCOL", "double"), ("DEBUG", "PROTOCOL", "null"),
                       ("DEBUG", "PROTOCOL", "push"))
        tail = out[out.index(b"|1\r\n"):]
        self.assertEqual(
            tail,
            b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
            b"$39\r\nSome real reply following the attribute\r\n"
            b"(1234567999999999999999999999999999999\r\n#t\r\n#f\r\n"
            b"=29\r\ntxt:This is a verbatim\nstring\r\n"
            b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n~3\r\n:0\r\n:1\r\n:2\r\n"
            b",3.141\r\n_\r\n"
            b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n")

    def test_resp2_types(self):
        r = self.r
        self.assertEqual(r.execute_command("DEBUG", "PROTOCOL", "attrib"),
                         b"Some real reply following the attribute")
        self.assertEqual(r.execute_command("DEBUG", "PROTOCOL", "true"), 1)
        self.assertEqual(r.execute_command("DEBUG", "PROTOCOL", "bignum"),
                         b"1234567999999999999999999999999999999")
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("DEBUG", "PROTOCOL", "push")
        self.assertEqual(str(e.exception), "RESP2 is not supported by this command")
        with self.assertRaises(redis.ResponseError) as e:
            r.execute_command("DEBUG", "PROTOCOL", "nope")
        self.assertIn("Wrong protocol type name", str(e.exception))


class ConfigParameters(FerriteTestCase):
    def test_replication_parameters_are_kept(self):
        r = self.r
        self.assertEqual(r.config_get("repl-ping-replica-period"), {"repl-ping-replica-period": "10"})
        self.assertTrue(r.config_set("repl-ping-replica-period", 1))
        self.assertEqual(r.config_get("repl-ping-replica-period"), {"repl-ping-replica-period": "1"})
        with self.assertRaises(redis.ResponseError):
            r.config_set("repl-ping-replica-period", 0)
        self.assertTrue(r.config_set("replica-read-only", "no"))
        self.assertEqual(r.config_get("replica-read-only"), {"replica-read-only": "no"})
        with self.assertRaises(redis.ResponseError):
            r.config_set("replica-read-only", "maybe")
        r.config_set("replica-read-only", "yes")
        r.config_set("repl-ping-replica-period", 10)

    def test_rdb_key_save_delay_slows_a_checkpoint_but_not_commands(self):
        r = self.r
        for i in range(200):
            r.set(f"k{i}", i)
        self.assertTrue(r.config_set("rdb-key-save-delay", 5000))  # 5 ms per key: ~1 s
        try:
            start = time.monotonic()
            self.assertEqual(r.bgsave(), True)
            # The save is running (for about a second), and keys stay writable while it waits.
            deadline = time.monotonic() + 5
            while not r.info("persistence")["rdb_bgsave_in_progress"]:
                self.assertLess(time.monotonic(), deadline, "the checkpoint never started")
                time.sleep(0.01)
            r.set("k1", "changed")
            self.assertEqual(r.get("k1"), b"changed")
            while r.info("persistence")["rdb_bgsave_in_progress"]:
                time.sleep(0.02)
            self.assertGreaterEqual(time.monotonic() - start, 0.9)
        finally:
            r.config_set("rdb-key-save-delay", 0)
        self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "ok")


if __name__ == "__main__":
    unittest.main()
