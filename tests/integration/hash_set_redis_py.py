"""Hashes and sets through Debian's python3-redis (redis-py 4.3) against a real ferrite binary,
plus the RESP3 shapes of their replies over a raw socket (redis-py 4.3 speaks RESP2 only).

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v hash_set_redis_py
(from tests/integration).
"""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import FerriteTestCase, encode_command  # noqa: E402


class Hashes(FerriteTestCase):
    def test_hset_mapping_and_hgetall(self):
        r = self.r
        self.assertEqual(r.hset("h", mapping={"a": "1", "b": "2", "c": "3"}), 3)
        self.assertEqual(r.hset("h", "a", "10", mapping={"d": "4"}), 1)
        self.assertEqual(r.hgetall("h"), {b"a": b"10", b"b": b"2", b"c": b"3", b"d": b"4"})
        self.assertEqual(r.hget("h", "a"), b"10")
        self.assertIsNone(r.hget("h", "zz"))
        self.assertEqual(r.hmget("h", ["a", "zz", "d"]), [b"10", None, b"4"])
        self.assertEqual(r.hlen("h"), 4)
        self.assertEqual(sorted(r.hkeys("h")), [b"a", b"b", b"c", b"d"])
        self.assertEqual(sorted(r.hvals("h")), [b"10", b"2", b"3", b"4"])
        self.assertTrue(r.hexists("h", "b"))
        self.assertEqual(r.hstrlen("h", "a"), 2)
        self.assertEqual(r.hgetall("missing"), {})
        self.assertEqual(r.type("h"), b"hash")

    def test_hdel_hsetnx_and_counters(self):
        r = self.r
        self.assertTrue(r.hsetnx("h", "f", "v"))
        self.assertFalse(r.hsetnx("h", "f", "w"))
        self.assertEqual(r.hincrby("h", "n", 5), 5)
        self.assertEqual(r.hincrby("h", "n", -2), 3)
        self.assertAlmostEqual(r.hincrbyfloat("h", "x", 2.5), 2.5)
        with self.assertRaises(redis.ResponseError) as cm:
            r.hincrby("h", "f", 1)
        self.assertEqual(str(cm.exception), "hash value is not an integer")
        self.assertEqual(r.hdel("h", "f", "n", "x", "zz"), 3)
        self.assertEqual(r.exists("h"), 0)

    def test_hrandfield_and_hscan(self):
        r = self.r
        fields = {f"f{i}": str(i) for i in range(300)}
        r.hset("h", mapping=fields)
        self.assertIn(r.hrandfield("h").decode(), fields)
        pairs = r.hrandfield("h", 5, withvalues=True)
        self.assertEqual(len(pairs), 10)
        for f, v in zip(pairs[::2], pairs[1::2]):
            self.assertEqual(fields[f.decode()], v.decode())
        self.assertEqual(len(r.hrandfield("h", -1000)), 1000)
        scanned = dict(r.hscan_iter("h", count=25))
        self.assertEqual({k.decode(): v.decode() for k, v in scanned.items()}, fields)
        matched = dict(r.hscan_iter("h", match="f1?"))
        self.assertEqual(len(matched), 10)

    def test_wrong_type(self):
        r = self.r
        r.set("s", "x")
        with self.assertRaises(redis.ResponseError) as cm:
            r.hset("s", "a", "1")
        self.assertTrue(str(cm.exception).startswith("WRONGTYPE"))
        r.sadd("set", "a")
        with self.assertRaises(redis.ResponseError):
            r.hgetall("set")
        with self.assertRaises(redis.ResponseError):
            r.smembers("s")

    def test_pipeline(self):
        r = self.r
        with r.pipeline(transaction=False) as p:
            for i in range(2000):
                p.hset("ph", f"f{i}", i)
                p.sadd("ps", i)
            p.hlen("ph")
            p.scard("ps")
            results = p.execute()
        self.assertEqual(results[:4], [1, 1, 1, 1])
        self.assertEqual(results[-2:], [2000, 2000])
        with r.pipeline(transaction=True) as p:  # MULTI/EXEC
            p.hincrby("ph", "f1", 10)
            p.srem("ps", "1", "2")
            p.spop("ps", 3)
            results = p.execute()
        self.assertEqual(results[0], 11)
        self.assertEqual(results[1], 2)
        self.assertEqual(len(results[2]), 3)
        self.assertEqual(r.scard("ps"), 1995)


class Sets(FerriteTestCase):
    def test_basics(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b", "c", "a"), 3)
        self.assertEqual(r.smembers("s"), {b"a", b"b", b"c"})
        self.assertTrue(r.sismember("s", "a"))
        self.assertEqual(r.smismember("s", ["a", "zz"]), [1, 0])
        self.assertEqual(r.scard("s"), 3)
        self.assertEqual(r.srem("s", "a", "zz"), 1)
        self.assertIn(r.srandmember("s"), {b"b", b"c"})
        self.assertEqual(len(r.srandmember("s", -5)), 5)
        popped = r.spop("s")
        self.assertIn(popped, {b"b", b"c"})
        self.assertEqual(r.spop("s", 10), list({b"b", b"c"} - {popped}))
        self.assertEqual(r.exists("s"), 0)
        self.assertIsNone(r.spop("s"))

    def test_algebra_and_store(self):
        r = self.r
        r.sadd("a", *range(10))
        r.sadd("b", *range(5, 15))
        self.assertEqual(r.sinter("a", "b"), {str(i).encode() for i in range(5, 10)})
        self.assertEqual(len(r.sunion("a", "b")), 15)
        self.assertEqual(r.sdiff("a", "b"), {str(i).encode() for i in range(5)})
        self.assertEqual(r.sintercard(2, ["a", "b"]), 5)
        self.assertEqual(r.sintercard(2, ["a", "b"], limit=2), 2)
        r.set("dst", "string")
        self.assertEqual(r.sinterstore("dst", ["a", "b"]), 5)
        self.assertEqual(r.type("dst"), b"set")
        self.assertEqual(r.sunionstore("dst", ["a", "b"]), 15)
        self.assertEqual(r.sdiffstore("dst", ["a", "a"]), 0)
        self.assertEqual(r.exists("dst"), 0)
        self.assertTrue(r.smove("a", "c", "1"))
        self.assertFalse(r.smove("a", "c", "1"))
        self.assertEqual(r.smembers("c"), {b"1"})
        self.assertEqual(set(r.sscan_iter("a", count=3)), {str(i).encode() for i in range(10)} - {b"1"})


def resp3_exchange(port, *commands):
    """Sends HELLO 3 and then `commands` on a raw socket; returns the raw reply bytes after
    HELLO's (read until every reply is complete, as judged by a tiny RESP3 parser)."""
    def parse(buf, pos):
        """Returns the end of the reply starting at pos, or None if incomplete."""
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        kind, head = buf[pos:pos + 1], buf[pos + 1:end]
        pos = end + 2
        if kind in b"$=!":
            n = int(head)
            if n < 0:
                return pos
            return pos + n + 2 if len(buf) >= pos + n + 2 else None
        if kind in b"*~>%|":
            n = int(head) * (2 if kind in b"%|" else 1)
            for _ in range(max(n, 0)):
                pos = parse(buf, pos)
                if pos is None:
                    return None
            return pos
        return pos  # simple types: + - : _ , # (

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(encode_command("HELLO", "3") + b"".join(encode_command(*c) for c in commands))
        buf, replies, pos = b"", [], 0
        while len(replies) < len(commands) + 1:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(replies) < len(commands) + 1:
                end = parse(buf, pos)
                if end is None:
                    break
                replies.append(buf[pos:end])
                pos = end
        return replies[1:]


class Resp3Shapes(FerriteTestCase):
    def test_reply_types(self):
        r = self.r
        r.hset("h", mapping={"a": "1"})
        r.sadd("s", "x")
        replies = resp3_exchange(
            self.server.port,
            ["HGETALL", "h"], ["HGETALL", "missing"], ["SMEMBERS", "s"], ["SMEMBERS", "missing"],
            ["HRANDFIELD", "h", "1", "WITHVALUES"], ["SINTER", "s", "s"], ["SPOP", "missing"],
            ["SPOP", "missing", "2"], ["HGET", "h", "zz"])
        self.assertEqual(replies, [
            b"%1\r\n$1\r\na\r\n$1\r\n1\r\n",
            b"%0\r\n",
            b"~1\r\n$1\r\nx\r\n",
            b"~0\r\n",
            b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            b"~1\r\n$1\r\nx\r\n",
            b"_\r\n",
            b"~0\r\n",
            b"_\r\n",
        ])


if __name__ == "__main__":
    unittest.main()
