"""Sorted sets through Debian's python3-redis (redis-py 4.3) against a real ferrite binary.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v zset_redis_py
(from tests/integration).
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import FerriteTestCase  # noqa: E402


class SortedSets(FerriteTestCase):
    def test_zadd_zrange_with_scores(self):
        r = self.r
        self.assertEqual(r.zadd("z", {"a": 1, "b": 2.5, "c": -3}), 3)
        self.assertEqual(r.zadd("z", {"a": 10}, ch=True), 1)
        self.assertEqual(r.zrange("z", 0, -1, withscores=True),
                         [(b"c", -3.0), (b"b", 2.5), (b"a", 10.0)])
        self.assertEqual(r.zrange("z", 0, 0, desc=True), [b"a"])
        self.assertEqual(r.zrangebyscore("z", "(-3", "+inf", withscores=True),
                         [(b"b", 2.5), (b"a", 10.0)])
        self.assertEqual(r.zrevrangebyscore("z", 5, "-inf", start=0, num=1), [b"b"])
        self.assertEqual(r.zscore("z", "b"), 2.5)
        self.assertEqual(r.zincrby("z", 0.1, "b"), 2.6)
        # Redis 7.0 prints %.17g: the wire text of 2.6 is 2.6000000000000001.
        # (ZRANGE through execute_command skips redis-py's float conversion.)
        self.assertEqual(r.execute_command("ZRANGE", "z", "1", "1", "WITHSCORES"),
                         [b"b", b"2.6000000000000001"])
        self.assertEqual(r.zmscore("z", ["a", "nope"]), [10.0, None])
        self.assertEqual(r.zrank("z", "a"), 2)
        self.assertEqual(r.zrevrank("z", "a"), 0)
        self.assertEqual(r.zcard("z"), 3)
        self.assertEqual(r.zcount("z", 0, 100), 2)
        self.assertEqual(r.zadd("z", {"a": 1}, incr=True), 11.0)
        self.assertIsNone(r.zadd("z", {"a": 1}, nx=True, incr=True))

    def test_errors(self):
        r = self.r
        r.set("s", "v")
        with self.assertRaisesRegex(redis.ResponseError, "WRONGTYPE"):
            r.zadd("s", {"a": 1})
        with self.assertRaisesRegex(redis.ResponseError, "min or max is not a float"):
            r.zrangebyscore("z", "x", 1)
        with self.assertRaisesRegex(redis.ResponseError, "not a valid float"):
            r.execute_command("ZADD", "z", "abc", "m")
        r.zadd("z", {"m": float("inf")})
        with self.assertRaisesRegex(redis.ResponseError, "NaN"):
            r.zincrby("z", float("-inf"), "m")

    def test_lex_store_and_set_operations(self):
        r = self.r
        r.zadd("lex", {m: 0 for m in ["a", "b", "c", "d", "e"]})
        self.assertEqual(r.zrangebylex("lex", "[b", "(e"), [b"b", b"c", b"d"])
        self.assertEqual(r.zlexcount("lex", "-", "+"), 5)
        self.assertEqual(r.zremrangebylex("lex", "[a", "[b"), 2)
        r.zadd("z1", {"a": 1, "b": 2})
        r.zadd("z2", {"b": 3, "c": 4})
        self.assertEqual(r.zunionstore("u", {"z1": 2, "z2": 1}), 3)
        self.assertEqual(r.zrange("u", 0, -1, withscores=True),
                         [(b"a", 2.0), (b"c", 4.0), (b"b", 7.0)])
        self.assertEqual(r.zinter(["z1", "z2"], withscores=True, aggregate="MIN"), [(b"b", 2.0)])
        self.assertEqual(r.zdiff(["z1", "z2"]), [b"a"])
        self.assertEqual(r.zrangestore("dst", "u", 0, 1), 2)
        self.assertEqual(r.zrange("dst", 0, -1), [b"a", b"c"])
        self.assertEqual(r.zpopmin("u", 2), [(b"a", 2.0), (b"c", 4.0)])
        self.assertEqual(r.zpopmax("u"), [(b"b", 7.0)])
        self.assertEqual(r.exists("u"), 0)

    def test_object_encoding_type_and_scan(self):
        r = self.r
        r.zadd("z", {str(i): i for i in range(200)})
        self.assertEqual(r.type("z"), b"zset")
        members = {m for m, _ in r.zscan_iter("z", count=20)}
        self.assertEqual(len(members), 200)

    def test_bzpopmin_is_woken_by_zadd(self):
        r = self.r
        result = {}

        def waiter():
            c = self.server.client()
            try:
                result["value"] = c.bzpopmin(["k1", "k2"], timeout=10)
            finally:
                c.close()

        t = threading.Thread(target=waiter)
        t.start()
        # Wait until the waiter is parked (CLIENT LIST shows it on bzpopmin), then feed it.
        deadline = time.time() + 5
        while time.time() < deadline:
            if any(c.get("cmd") == "bzpopmin" for c in r.client_list()):
                break
            time.sleep(0.02)
        r.zadd("k2", {"x": 5})
        t.join(15)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["value"], (b"k2", b"x", 5.0))
        self.assertEqual(r.exists("k2"), 0)
        self.assertIsNone(r.bzpopmin("k1", timeout=0.1))


if __name__ == "__main__":
    unittest.main()
