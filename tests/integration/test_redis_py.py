"""Integration tests through Debian's python3-redis (redis-py 4.3) against a real ferrite binary.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v tests/integration/test_redis_py.py
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import FerriteTestCase, connect, read_reply, read_until_closed  # noqa: E402


class StringCommands(FerriteTestCase):
    def test_set_get_and_options(self):
        r = self.r
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        self.assertIsNone(r.get("missing"))
        self.assertIsNone(r.set("k", "w", nx=True))
        self.assertTrue(r.set("k", "w", xx=True))
        self.assertIsNone(r.set("other", "w", xx=True))
        self.assertEqual(r.set("k", "x", get=True), b"w")
        self.assertEqual(r.get("k"), b"x")
        self.assertTrue(r.set("e", "1", ex=100))
        self.assertTrue(90 <= r.ttl("e") <= 100)
        self.assertTrue(r.set("e", "2", keepttl=True))
        self.assertTrue(90 <= r.ttl("e") <= 100)
        self.assertTrue(r.set("e", "3"))
        self.assertEqual(r.ttl("e"), -1)

    def test_counters(self):
        r = self.r
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incrby("n", 41), 42)
        self.assertEqual(r.decr("n"), 41)
        self.assertEqual(r.decrby("n", 40), 1)
        self.assertAlmostEqual(r.incrbyfloat("f", 1.5), 1.5)
        self.assertAlmostEqual(r.incrbyfloat("f", -0.25), 1.25)
        r.set("s", "abc")
        with self.assertRaises(redis.ResponseError) as cm:
            r.incr("s")
        self.assertEqual(str(cm.exception), "value is not an integer or out of range")
        r.set("big", str(2**63 - 1))
        with self.assertRaises(redis.ResponseError) as cm:
            r.incr("big")
        self.assertEqual(str(cm.exception), "increment or decrement would overflow")

    def test_multi_key_and_ranges(self):
        r = self.r
        self.assertTrue(r.mset({"a": "1", "b": "2", "c": "3"}))
        self.assertEqual(r.mget("a", "b", "nope", "c"), [b"1", b"2", None, b"3"])
        self.assertFalse(r.msetnx({"a": "9", "z": "9"}))
        self.assertIsNone(r.get("z"))
        self.assertTrue(r.msetnx({"y": "9", "z": "9"}))
        self.assertEqual(r.append("a", "23"), 3)
        self.assertEqual(r.strlen("a"), 3)
        self.assertEqual(r.getrange("a", 1, -1), b"23")
        self.assertEqual(r.setrange("pad", 5, "x"), 6)
        self.assertEqual(r.get("pad"), b"\x00" * 5 + b"x")
        self.assertEqual(r.getdel("a"), b"123")
        self.assertEqual(r.exists("a"), 0)
        self.assertEqual(r.getset("b", "20"), b"2")
        self.assertEqual(r.setnx("b", "x"), False)
        self.assertTrue(r.setex("sx", 100, "v"))
        self.assertTrue(r.psetex("px", 100000, "v"))
        self.assertTrue(99000 <= r.pttl("px") <= 100000)
        self.assertEqual(r.getex("sx", persist=True), b"v")
        self.assertEqual(r.ttl("sx"), -1)

    def test_lcs(self):
        r = self.r
        r.mset({"key1": "ohmytext", "key2": "mynewtext"})
        self.assertEqual(r.execute_command("LCS", "key1", "key2"), b"mytext")
        self.assertEqual(r.execute_command("LCS", "key1", "key2", "LEN"), 6)


class KeyCommands(FerriteTestCase):
    def test_del_exists_type_rename(self):
        r = self.r
        r.mset({"a": "1", "b": "2"})
        self.assertEqual(r.exists("a", "b", "c", "a"), 3)
        self.assertEqual(r.type("a"), b"string")
        self.assertEqual(r.type("nope"), b"none")
        self.assertEqual(r.delete("a", "c"), 1)
        self.assertEqual(r.unlink("b"), 1)
        r.set("src", "v")
        self.assertTrue(r.rename("src", "dst"))
        self.assertEqual(r.get("dst"), b"v")
        with self.assertRaises(redis.ResponseError) as cm:
            r.rename("src", "x")
        self.assertEqual(str(cm.exception), "no such key")
        r.set("other", "o")
        self.assertFalse(r.renamenx("dst", "other"))
        self.assertTrue(r.copy("dst", "copy"))
        self.assertEqual(r.get("copy"), b"v")
        self.assertFalse(r.copy("dst", "copy"))
        self.assertTrue(r.copy("dst", "copy", replace=True))
        self.assertEqual(r.touch("dst", "copy", "nope"), 2)
        self.assertEqual(sorted(r.keys("*")), [b"copy", b"dst", b"other"])
        self.assertEqual(sorted(r.keys("d*")), [b"dst"])
        self.assertIn(r.randomkey(), [b"copy", b"dst", b"other"])
        self.assertEqual(r.object("encoding", "dst"), b"embstr")
        r.set("int", "12345")
        self.assertEqual(r.object("encoding", "int"), b"int")

    def test_move_between_databases(self):
        r = self.r
        r.set("m", "v")
        self.assertTrue(r.move("m", 1))
        self.assertIsNone(r.get("m"))
        r1 = self.server.client(db=1)
        try:
            self.assertEqual(r1.get("m"), b"v")
        finally:
            r1.close()

    def test_scan_iterates_every_key_once(self):
        r = self.r
        with r.pipeline(transaction=False) as p:
            for i in range(1000):
                p.set(f"scan:{i}", i)
            p.execute()
        seen = set()
        cursor = 0
        while True:
            cursor, keys = r.scan(cursor, match="scan:*", count=50)
            seen.update(keys)
            if cursor == 0:
                break
        self.assertEqual(seen, {f"scan:{i}".encode() for i in range(1000)})
        self.assertEqual(set(r.scan_iter(match="scan:99*")),
                         {b"scan:99"} | {f"scan:99{i}".encode() for i in range(10)})
        self.assertEqual(len(list(r.scan_iter(_type="string", count=100))), 1000)
        self.assertEqual(list(r.scan_iter(_type="list")), [])


class Expiry(FerriteTestCase):
    def test_expire_family(self):
        r = self.r
        r.set("k", "v")
        self.assertTrue(r.expire("k", 100))
        self.assertTrue(90 <= r.ttl("k") <= 100)
        self.assertFalse(r.expire("k", 50, gt=True))
        self.assertTrue(r.expire("k", 200, gt=True))
        self.assertTrue(r.expire("k", 10, lt=True))
        self.assertFalse(r.expire("k", 10, nx=True))
        self.assertTrue(r.persist("k"))
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.ttl("missing"), -2)
        at = int(time.time()) + 1000
        self.assertTrue(r.expireat("k", at))
        self.assertEqual(r.expiretime("k"), at)
        self.assertTrue(r.pexpireat("k", at * 1000 + 5))
        self.assertEqual(r.pexpiretime("k"), at * 1000 + 5)

    def test_keys_expire(self):
        r = self.r
        r.set("short", "v", px=100)
        r.set("stays", "v")
        self.assertTrue(r.exists("short"))
        time.sleep(0.3)
        self.assertIsNone(r.get("short"))  # lazy expiry on access
        self.assertEqual(r.dbsize(), 1)

    def test_active_expiry_without_access(self):
        r = self.r
        with r.pipeline(transaction=False) as p:
            for i in range(200):
                p.set(f"vol:{i}", "v", px=50)
            p.execute()
        deadline = time.monotonic() + 5
        while r.dbsize() > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(r.dbsize(), 0, "active expiry should remove keys nobody reads")
        self.assertGreaterEqual(r.info("stats")["expired_keys"], 200)


class Pipelines(FerriteTestCase):
    def test_pipeline_keeps_order(self):
        r = self.r
        with r.pipeline(transaction=False) as p:
            for i in range(5000):
                p.set(f"p{i}", i)
                p.incr("counter")
                p.get(f"p{i}")
            replies = p.execute()
        self.assertEqual(len(replies), 15000)
        for i in range(5000):
            self.assertEqual(replies[3 * i], True)
            self.assertEqual(replies[3 * i + 1], i + 1)
            self.assertEqual(replies[3 * i + 2], str(i).encode())

    def test_pipeline_error_in_the_middle(self):
        r = self.r
        r.set("s", "x")
        with r.pipeline(transaction=False) as p:
            p.set("a", 1).incr("s").get("a")
            replies = p.execute(raise_on_error=False)
        self.assertEqual(replies[0], True)
        self.assertIsInstance(replies[1], redis.ResponseError)
        self.assertEqual(replies[2], b"1")


class BinarySafety(FerriteTestCase):
    def test_every_byte_value_in_keys_and_values(self):
        r = self.r
        for b in range(256):
            key = b"k" + bytes([b]) + b"\r\n"
            val = bytes([b]) * 3 + b"\r\n\x00" + bytes([b])
            r.set(key, val)
            self.assertEqual(r.get(key), val, f"byte {b}")
        everything = bytes(range(256))
        r.set(everything, everything)
        self.assertEqual(r.get(everything), everything)
        self.assertEqual(r.strlen(everything), 256)

    def test_ten_megabyte_value(self):
        r = self.r
        value = os.urandom(10 * 1024 * 1024)
        self.assertTrue(r.set("big", value))
        self.assertEqual(r.strlen("big"), len(value))
        self.assertEqual(r.get("big"), value)
        self.assertEqual(r.getrange("big", 5_000_000, 5_000_099), value[5_000_000:5_000_100])
        self.assertEqual(r.append("big", b"tail"), len(value) + 4)


class ManyClients(FerriteTestCase):
    def test_threads_incrementing_shared_and_private_keys(self):
        errors = []
        n_threads, n_ops = 32, 300

        def worker(t):
            c = self.server.client()
            try:
                for i in range(n_ops):
                    c.incr("shared")
                    c.set(f"t{t}:{i}", f"{t}-{i}")
                for i in range(0, n_ops, 7):
                    if c.get(f"t{t}:{i}") != f"{t}-{i}".encode():
                        errors.append((t, i))
            except Exception as e:  # reported below
                errors.append(repr(e))
            finally:
                c.close()

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(int(self.r.get("shared")), n_threads * n_ops)
        self.assertEqual(self.r.dbsize(), n_threads * n_ops + 1)


class ServerCommands(FerriteTestCase):
    def test_info_parses(self):
        r = self.r
        r.set("a", 1)
        info = r.info()
        self.assertIn("redis_version", info)
        self.assertEqual(info["tcp_port"], self.server.port)
        self.assertGreaterEqual(info["connected_clients"], 1)
        self.assertIn("used_memory", info)
        self.assertEqual(info["db0"]["keys"], 1)
        for section in ("server", "clients", "memory", "persistence", "stats", "replication",
                        "cpu", "keyspace"):
            self.assertTrue(r.info(section), section)
        r.get("a")
        stats = r.info("commandstats")
        self.assertGreaterEqual(stats["cmdstat_get"]["calls"], 1)

    def test_client_setname_list_kill(self):
        r = self.r
        self.assertTrue(r.client_setname("main-conn"))
        self.assertEqual(r.client_getname(), "main-conn")
        victim = connect(self.server.port)
        victim.sendall(b"CLIENT SETNAME victim\r\n")
        self.assertEqual(read_reply(victim), b"+OK\r\n")
        clients = {c["name"]: c for c in r.client_list()}
        self.assertIn("main-conn", clients)
        self.assertIn("victim", clients)
        self.assertEqual(int(clients["main-conn"]["id"]), r.client_id())
        self.assertEqual(r.client_kill_filter(_id=clients["victim"]["id"]), 1)
        # Redis frees the victim before replying; a victim on another of Ferrite's event loops
        # is closed by that loop a moment later, so allow it a short while.
        deadline = time.monotonic() + 2
        while "victim" in [c["name"] for c in r.client_list()] and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertNotIn("victim", [c["name"] for c in r.client_list()])
        self.assertEqual(read_until_closed(victim), b"", "the killed connection is closed")
        victim.close()
        with self.assertRaises(redis.ResponseError):
            r.client_setname("has space")

    def test_select_swapdb_flushdb(self):
        r = self.r
        r.set("in0", "a")
        r1 = self.server.client(db=1)
        try:
            r1.set("in1", "b")
            self.assertEqual(r.dbsize(), 1)
            self.assertTrue(r.swapdb(0, 1))
            self.assertEqual(r.get("in1"), b"b")
            self.assertEqual(r1.get("in0"), b"a")
            self.assertTrue(r1.flushdb())
            self.assertEqual(r1.dbsize(), 0)
            self.assertEqual(r.dbsize(), 1)
        finally:
            r1.close()
        with self.assertRaises(redis.ResponseError) as cm:
            r.execute_command("SELECT", 16)
        self.assertEqual(str(cm.exception), "DB index is out of range")
        r15 = self.server.client(db=15)
        self.assertTrue(r15.ping())
        r15.close()

    def test_config_get(self):
        r = self.r
        try:
            result = r.config_get("maxmemory")
        except redis.ResponseError as e:
            if "unknown command" in str(e) or "unknown subcommand" in str(e):
                self.skipTest(f"ferrite does not answer CONFIG GET yet: {e}")
            raise
        self.assertIn("maxmemory", result)
        self.assertTrue(result["maxmemory"].isdigit())
        self.assertEqual(r.config_get("port")["port"], str(self.server.port))

    def test_ping_echo_time_dbsize(self):
        r = self.r
        self.assertTrue(r.ping())
        self.assertEqual(r.echo("hi"), b"hi")
        secs, micros = r.time()
        self.assertLess(abs(secs - time.time()), 5)
        self.assertTrue(0 <= micros < 1_000_000)
        self.assertEqual(r.dbsize(), 0)


class Hello(FerriteTestCase):
    def test_hello_2_fields(self):
        # redis-py 4.3 parses RESP2 only; RESP3 is covered byte-for-byte in test_protocol.py.
        reply = self.r.execute_command("HELLO", "2")
        fields = dict(zip(reply[::2], reply[1::2]))
        self.assertEqual(fields[b"server"], b"redis")
        self.assertEqual(fields[b"proto"], 2)
        self.assertEqual(fields[b"mode"], b"standalone")
        self.assertEqual(fields[b"role"], b"master")
        self.assertEqual(fields[b"id"], self.r.client_id())


if __name__ == "__main__":
    unittest.main(verbosity=2)
