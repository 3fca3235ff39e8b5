"""Blocking commands end to end (BLPOP / BRPOP from the list family) through redis-py and raw
sockets against a real ferrite with two event-loop threads: wake-ups from writers on other
connections (and so, for some of them, other loops), first blocked first served, timeouts,
CLIENT UNBLOCK, CLIENT KILL, disconnects, pipelining behind a blocked command, MULTI, and keys
deleted or retyped while clients wait.

Skipped (unittest reports the class as skipped) while the server has no BLPOP.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v blocking_redis_py
(from tests/integration).
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import ServerProcess, connect, encode_command, read_reply  # noqa: E402


def wait_for(predicate, what, attempts=200):
    for _ in range(attempts):
        if predicate():
            return
        time.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


def command(sock, *args):
    sock.sendall(encode_command(*args))


class BlockingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("ferrite", threads=2).start()
        r = cls.server.client()
        try:
            r.lpush("probe", "x")
            r.execute_command("BLPOP", "probe", 0)
        except redis.ResponseError as e:
            cls.server.stop()
            cls.server.cleanup()
            raise unittest.SkipTest(f"no BLPOP in this build: {e}")
        finally:
            r.close()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            assert code == 0, f"ferrite exited with {code}: {cls.server.log_text()[-2000:]}"
        finally:
            cls.server.cleanup()

    def setUp(self):
        self.r = self.server.client()
        self.r.flushall()

    def tearDown(self):
        wait_for(lambda: self.r.info("clients")["blocked_clients"] == 0, "no blocked clients")
        self.r.close()

    def blocked_count(self):
        return self.r.info("clients")["blocked_clients"]

    def block(self, *args):
        """Sends a blocking command on a new raw connection and waits until it is parked."""
        s = connect(self.server.port)
        before = self.blocked_count()
        command(s, *args)
        wait_for(lambda: self.blocked_count() == before + 1, "the client to block")
        return s

    def test_writer_on_another_connection_wakes_clients_first_blocked_first_served(self):
        waiters = [self.block("BLPOP", "q", 0) for _ in range(6)]
        self.assertEqual(self.blocked_count(), 6)
        flags = [c["flags"] for c in self.r.client_list() if c["cmd"] == "blpop"]
        self.assertEqual(flags, ["b"] * 6)
        for i in range(6):
            self.assertEqual(self.r.rpush("q", f"v{i}"), 1)  # served after the push
            # Each push serves exactly the longest-waiting client.
            self.assertEqual(read_reply(waiters[i]),
                             b"*2\r\n$1\r\nq\r\n$2\r\nv%d\r\n" % i)
        self.assertEqual(self.r.llen("q"), 0)
        for s in waiters:
            s.close()

    def test_one_push_of_many_elements_serves_many_clients(self):
        waiters = [self.block("BRPOP", "q2", 0) for _ in range(3)]
        self.assertEqual(self.r.rpush("q2", "a", "b", "c", "d"), 4)
        got = sorted(read_reply(s) for s in waiters)
        self.assertEqual(len(got), 3)
        self.assertEqual(self.r.llen("q2"), 1)
        for s in waiters:
            s.close()

    def test_timeout_answers_nil_and_counts_the_wait_in_commandstats(self):
        start = time.monotonic()
        self.assertIsNone(self.r.blpop("never", timeout=0.2))
        self.assertGreaterEqual(time.monotonic() - start, 0.15)
        stats = self.r.info("commandstats")["cmdstat_blpop"]
        self.assertGreaterEqual(stats["usec"], 150000)  # the duration includes the wait

    def test_client_unblock_timeout_and_error(self):
        s = self.block("BLPOP", "k", 0)
        cid = next(c["id"] for c in self.r.client_list() if c["cmd"] == "blpop")
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", cid), 1)
        self.assertEqual(read_reply(s), b"*-1\r\n")
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", cid), 0)
        command(s, "BLPOP", "k", 0)
        wait_for(lambda: self.blocked_count() == 1, "the client to block again")
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR"), 1)
        self.assertEqual(read_reply(s), b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
        # The connection goes on normally.
        command(s, "PING")
        self.assertEqual(read_reply(s), b"+PONG\r\n")
        with self.assertRaisesRegex(redis.ResponseError, "TIMEOUT or ERROR"):
            self.r.execute_command("CLIENT", "UNBLOCK", cid, "MAYBE")
        s.close()

    def test_pipelined_commands_wait_behind_a_blocked_command(self):
        s = connect(self.server.port)
        before = self.blocked_count()
        s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$1\r\np\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
        wait_for(lambda: self.blocked_count() == before + 1, "the client to block")
        self.r.lpush("p", "x")
        self.assertEqual(read_reply(s), b"*2\r\n$1\r\np\r\n$1\r\nx\r\n")
        self.assertEqual(read_reply(s), b"+PONG\r\n")
        s.close()

    def test_kill_and_disconnect_leave_no_blocked_client_and_no_lost_element(self):
        s1 = self.block("BLPOP", "d", 0)
        s2 = self.block("BLPOP", "d", 0)
        s1.close()  # the first in line disconnects
        wait_for(lambda: self.blocked_count() == 1, "the disconnect to be noticed")
        self.r.rpush("d", "kept")
        self.assertEqual(read_reply(s2), b"*2\r\n$1\r\nd\r\n$4\r\nkept\r\n")
        s3 = self.block("BLPOP", "d", 0)
        cid = next(c["id"] for c in self.r.client_list() if c["cmd"] == "blpop")
        self.assertEqual(self.r.execute_command("CLIENT", "KILL", "ID", cid), 1)
        wait_for(lambda: self.blocked_count() == 0, "the kill")
        self.r.rpush("d", "stays")
        self.assertEqual(self.r.lrange("d", 0, -1), [b"stays"])
        s2.close()
        s3.close()

    def test_key_deleted_or_retyped_while_blocked(self):
        s = self.block("BLPOP", "t", 0)
        self.r.set("t", "a string")
        self.r.delete("t")
        self.r.lpush("t", "x")
        self.r.lpop("t")  # nothing left by the time the waiter runs, or it was served
        self.r.sadd("t", "member")  # retyped: the waiter must not be served from a set
        self.r.delete("t")
        self.r.rpush("t", "finally")
        reply = read_reply(s)
        self.assertIn(reply, (b"*2\r\n$1\r\nt\r\n$1\r\nx\r\n",
                              b"*2\r\n$1\r\nt\r\n$7\r\nfinally\r\n"))
        s.close()

    def test_blocking_inside_multi_answers_at_once(self):
        p = self.r.pipeline(transaction=True)
        p.blpop("empty", timeout=0)
        p.lpush("l", "v")
        self.assertEqual(p.execute(), [None, 1])

    def test_writes_inside_exec_wake_clients(self):
        s = self.block("BLPOP", "m", 0)
        p = self.r.pipeline(transaction=True)
        p.rpush("m", "from-exec")
        p.execute()
        self.assertEqual(read_reply(s), b"*2\r\n$1\r\nm\r\n$9\r\nfrom-exec\r\n")
        s.close()

    def test_redis_py_blpop_served_by_a_writer_thread(self):
        result = {}

        def consumer():
            c = self.server.client()
            result["v"] = c.blpop(["a", "b"], timeout=10)
            c.close()

        t = threading.Thread(target=consumer)
        t.start()
        wait_for(lambda: self.blocked_count() == 1, "redis-py to block")
        self.r.rpush("b", "hello")
        t.join(10)
        self.assertEqual(result["v"], (b"b", b"hello"))


if __name__ == "__main__":
    unittest.main()
