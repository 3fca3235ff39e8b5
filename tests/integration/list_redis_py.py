"""List commands through Debian's python3-redis (redis-py 4.3) against a real ferrite binary:
pushes, ranges, pops, moves, the RESP2/RESP3 null shapes, and blocking pops served by another
client's push (the dispatcher's parking and wake-up, end to end).

Run: FERRITE_BIN=build/list/ferrite /usr/bin/python3 -m unittest -v list_redis_py
(from tests/integration).
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import FerriteTestCase, connect, encode_command, read_reply  # noqa: E402


def command(sock, *args):
    """Sends one command as a RESP array and returns the raw reply bytes."""
    sock.sendall(encode_command(*args))
    return read_reply(sock)


class ListTestCase(FerriteTestCase):
    def wait_blocked(self, count, deadline_s=10.0):
        """Waits until `count` clients are parked in a blocking command (CLIENT LIST flag b)."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            blocked = [c for c in self.r.client_list() if "b" in c.get("flags", "")]
            if len(blocked) >= count:
                return
            time.sleep(0.01)
        self.fail(f"{count} blocked client(s) expected: {self.r.client_list()}")

    def in_thread(self, fn):
        """Runs fn() on a thread; returns a function that joins it and returns fn's result."""
        box = {}

        def run():
            try:
                box["value"] = fn()
            except Exception as e:  # re-raised on join
                box["error"] = e

        t = threading.Thread(target=run, daemon=True)
        t.start()

        def join():
            t.join(30)
            self.assertFalse(t.is_alive(), "the blocked client was never answered")
            if "error" in box:
                raise box["error"]
            return box.get("value")

        return join


class ListCommands(ListTestCase):
    def test_push_range_pop(self):
        r = self.r
        self.assertEqual(r.lpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.rpush("l", "x", "y"), 5)
        self.assertEqual(r.lrange("l", 0, -1), [b"c", b"b", b"a", b"x", b"y"])
        self.assertEqual(r.lrange("l", -2, 100), [b"x", b"y"])
        self.assertEqual(r.llen("l"), 5)
        self.assertEqual(r.lindex("l", -1), b"y")
        self.assertIsNone(r.lindex("l", 99))
        self.assertEqual(r.lpop("l"), b"c")
        self.assertEqual(r.rpop("l", 2), [b"y", b"x"])
        self.assertEqual(r.lpop("l", 10), [b"b", b"a"])
        self.assertEqual(r.exists("l"), 0)
        self.assertIsNone(r.lpop("l"))
        self.assertIsNone(r.rpop("l", 3))
        self.assertEqual(r.lpushx("l", "a"), 0)
        self.assertEqual(r.type("l"), b"none")

    def test_large_list_and_binary_values(self):
        r = self.r
        values = [os.urandom(n % 300) for n in range(2000)]
        pipe = r.pipeline(transaction=False)
        for v in values:
            pipe.rpush("big", v)
        pipe.execute()
        self.assertEqual(r.llen("big"), 2000)
        self.assertEqual(r.lrange("big", 0, -1), values)
        self.assertEqual(r.lindex("big", 1234), values[1234])
        self.assertEqual(r.object("encoding", "big"), b"quicklist")

    def test_set_trim_rem_insert_pos(self):
        r = self.r
        r.rpush("l", "a", "b", "c", "1", "2", "3", "c", "c")
        self.assertEqual(r.lpos("l", "c"), 2)
        self.assertEqual(r.lpos("l", "c", rank=-1), 7)
        self.assertEqual(r.lpos("l", "c", count=0), [2, 6, 7])
        self.assertEqual(r.lpos("l", "c", count=0, maxlen=3), [2])
        self.assertTrue(r.lset("l", 0, "A"))
        with self.assertRaisesRegex(redis.ResponseError, "^index out of range$"):
            r.lset("l", 100, "x")
        with self.assertRaisesRegex(redis.ResponseError, "^no such key$"):
            r.lset("missing", 0, "x")
        self.assertEqual(r.lrem("l", -2, "c"), 2)
        self.assertEqual(r.linsert("l", "before", "b", "a"), 7)
        self.assertEqual(r.linsert("l", "after", "zz", "a"), -1)
        self.assertTrue(r.ltrim("l", 1, -2))
        self.assertEqual(r.lrange("l", 0, -1), [b"a", b"b", b"c", b"1", b"2"])
        r.set("s", "v")
        with self.assertRaisesRegex(redis.ResponseError, "^WRONGTYPE"):
            r.rpush("s", "x")

    def test_moves_and_mpop(self):
        r = self.r
        r.rpush("src", "a", "b", "c")
        self.assertEqual(r.lmove("src", "dst", "LEFT", "RIGHT"), b"a")
        self.assertEqual(r.rpoplpush("src", "dst"), b"c")
        self.assertEqual(r.rpoplpush("dst", "dst"), b"a")  # same list: a rotation
        self.assertEqual(r.lrange("dst", 0, -1), [b"a", b"c"])
        self.assertEqual(r.execute_command("LMPOP", 2, "none", "dst", "RIGHT", "COUNT", 5),
                         [b"dst", [b"c", b"a"]])
        self.assertIsNone(r.execute_command("LMPOP", 1, "dst", "LEFT"))
        self.assertIsNone(r.lmove("dst", "src", "LEFT", "LEFT"))

    def test_resp3_null_shapes(self):
        sock = connect(self.server.port)
        try:
            self.assertEqual(command(sock, "LPOP", "none"), b"$-1\r\n")
            self.assertEqual(command(sock, "LPOP", "none", "2"), b"*-1\r\n")
            self.assertEqual(command(sock, "BLPOP", "none", "0.01"), b"*-1\r\n")
            self.assertTrue(command(sock, "HELLO", "3").startswith(b"%"))
            self.assertEqual(command(sock, "LPOP", "none"), b"_\r\n")
            self.assertEqual(command(sock, "LPOP", "none", "2"), b"_\r\n")
            self.assertEqual(command(sock, "LINDEX", "none", "0"), b"_\r\n")
            self.assertEqual(command(sock, "BLPOP", "none", "0.01"), b"_\r\n")
        finally:
            sock.close()


class BlockingListCommands(ListTestCase):
    def test_blpop_is_woken_by_another_clients_push(self):
        waiter = self.server.client()
        try:
            join = self.in_thread(lambda: waiter.blpop(["q1", "q2"], timeout=0))
            self.wait_blocked(1)
            self.assertEqual(self.r.rpush("q2", "hello", "world"), 2)
            self.assertEqual(join(), (b"q2", b"hello"))
            self.assertEqual(self.r.lrange("q2", 0, -1), [b"world"])
        finally:
            waiter.close()

    def test_first_blocked_is_first_served(self):
        waiters = [self.server.client() for _ in range(3)]
        try:
            joins = []
            for i, w in enumerate(waiters):
                joins.append(self.in_thread(lambda w=w: w.brpop("q", timeout=0)))
                self.wait_blocked(i + 1)
            self.r.lpush("q", "a", "b", "c")  # RPOP order: a, b, c
            self.assertEqual([j() for j in joins], [(b"q", b"a"), (b"q", b"b"), (b"q", b"c")])
            self.assertEqual(self.r.exists("q"), 0)
        finally:
            for w in waiters:
                w.close()

    def test_blmove_and_blmpop_are_woken(self):
        a, b = self.server.client(), self.server.client()
        try:
            join_move = self.in_thread(lambda: a.blmove("src", "dst", 0, "RIGHT", "LEFT"))
            self.wait_blocked(1)
            join_mpop = self.in_thread(
                lambda: b.execute_command("BLMPOP", 0, 1, "dst", "LEFT", "COUNT", 10))
            self.wait_blocked(2)
            self.r.rpush("src", "x")
            self.assertEqual(join_move(), b"x")
            # The move pushed to dst, which wakes the BLMPOP in turn.
            self.assertEqual(join_mpop(), [b"dst", [b"x"]])
            self.assertEqual(self.r.exists("src", "dst"), 0)
        finally:
            a.close()
            b.close()

    def test_timeout_and_multi(self):
        r = self.r
        self.assertIsNone(r.blpop("none", timeout=0.05))
        self.assertIsNone(r.brpoplpush("none", "dst", timeout=0.05))
        with self.assertRaisesRegex(redis.ResponseError, "^timeout is negative$"):
            r.blpop("none", timeout=-1)
        with self.assertRaisesRegex(redis.ResponseError, "^timeout is not a float or out of range$"):
            r.execute_command("BLPOP", "none", "soon")
        pipe = r.pipeline(transaction=True)
        pipe.blpop("none", timeout=0)
        pipe.brpoplpush("none", "dst", timeout=0)
        self.assertEqual(pipe.execute(), [None, None])  # MULTI never blocks


if __name__ == "__main__":
    unittest.main()
