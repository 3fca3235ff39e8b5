"""Pub/Sub end to end: redis-py (Debian's python3-redis), raw RESP2/RESP3 sockets and
`redis-cli -3` against a real ferrite with two event-loop threads.

Subscribers are opened several at a time so that they land on both event loops (the kernel
spreads accepted connections over the loops): a publisher on one loop must reach all of them.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v pubsub_redis_py
(from tests/integration).
"""

import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import redis  # noqa: E402  (Debian's python3-redis)

from ferrite_server import ServerProcess, connect, encode_command, read_reply  # noqa: E402

SUBSCRIBED_ERROR = ("Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
                    "RESET are allowed in this context")


def wait_for(predicate, what, attempts=200):
    """Polls a server-side condition that settles asynchronously (a disconnect being noticed)."""
    for _ in range(attempts):
        if predicate():
            return
        time.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


def get_message(pubsub, timeout=5.0):
    """The next real message (not a subscription confirmation) or fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if m is not None:
            return m
    raise AssertionError("no message arrived")


def command(sock, *args):
    sock.sendall(encode_command(*args))


class PubSubTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("ferrite", threads=2).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            assert code == 0, f"ferrite exited with {code}: {cls.server.log_text()[-2000:]}"
        finally:
            cls.server.cleanup()

    def setUp(self):
        self.r = self.server.client()
        self.opened = []

    def tearDown(self):
        for p in self.opened:
            p.close()
        self.r.close()
        # Every test leaves the server without subscriptions.
        wait_for(lambda: self.server.client().pubsub_numpat() == 0 and
                 self.server.client().pubsub_channels() == [], "subscriptions to go away")

    def pubsub(self):
        p = self.server.client().pubsub()
        self.opened.append(p)
        return p

    def test_publish_reaches_subscribers_on_every_loop_and_counts_them(self):
        subs = []
        for _ in range(6):
            p = self.pubsub()
            p.subscribe("news")
            self.assertEqual(p.get_message(timeout=5)["type"], "subscribe")
            subs.append(p)
        self.assertEqual(self.r.publish("news", "hello"), 6)
        self.assertEqual(self.r.publish("other", "nobody"), 0)
        for p in subs:
            m = get_message(p)
            self.assertEqual((m["type"], m["channel"], m["data"]), ("message", b"news", b"hello"))
        self.assertEqual(self.r.pubsub_numsub("news", "other"), [(b"news", 6), (b"other", 0)])

    def test_per_subscriber_order_is_publish_order(self):
        subs = [self.pubsub() for _ in range(4)]
        for p in subs:
            p.subscribe("seq")
            p.get_message(timeout=5)
        # Two publishers on (likely) different loops, interleaved.
        pubs = [self.server.client() for _ in range(2)]
        for i in range(300):
            for n, pub in enumerate(pubs):
                self.assertEqual(pub.publish("seq", f"{n}:{i}"), 4)
        for p in subs:
            next_seq = [0, 0]
            for _ in range(600):
                n, i = get_message(p)["data"].decode().split(":")
                self.assertEqual(int(i), next_seq[int(n)])
                next_seq[int(n)] += 1
        for pub in pubs:
            pub.close()

    def test_patterns_deliver_pmessage_and_count_each_match(self):
        p = self.pubsub()
        p.psubscribe("news.*", "*.sport")
        p.get_message(timeout=5)
        p.get_message(timeout=5)
        self.assertEqual(self.r.pubsub_numpat(), 2)
        self.assertEqual(self.r.publish("news.sport", "goal"), 2)  # both patterns match
        got = sorted((m["pattern"], m["channel"], m["data"])
                     for m in (get_message(p), get_message(p)))
        self.assertEqual(got, [(b"*.sport", b"news.sport", b"goal"),
                               (b"news.*", b"news.sport", b"goal")])
        self.assertEqual(self.r.publish("weather", "rain"), 0)

    def test_unsubscribe_and_introspection(self):
        p = self.pubsub()
        p.subscribe("a", "b")
        p.psubscribe("x*")
        for _ in range(3):
            p.get_message(timeout=5)
        self.assertEqual(sorted(self.r.pubsub_channels()), [b"a", b"b"])
        self.assertEqual(self.r.pubsub_channels("a*"), [b"a"])
        info = self.r.info("stats")
        self.assertEqual((info["pubsub_channels"], info["pubsub_patterns"]), (2, 1))
        mine = [c for c in self.r.client_list() if c["cmd"] == "psubscribe"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["sub"], mine[0]["psub"], mine[0]["flags"]), ("2", "1", "P"))
        self.assertEqual(len(self.r.client_list(_type="pubsub")), 1)
        p.unsubscribe("a")
        self.assertEqual(p.get_message(timeout=5)["type"], "unsubscribe")
        self.assertEqual(self.r.publish("a", "m"), 0)
        self.assertEqual(self.r.publish("b", "m"), 1)
        p.unsubscribe()
        p.punsubscribe()

    def test_shard_channels(self):
        p = self.pubsub()
        p.execute_command("SSUBSCRIBE", "s1")
        self.assertEqual(p.parse_response(timeout=5), [b"ssubscribe", b"s1", 1])
        self.assertEqual(self.r.execute_command("SPUBLISH", "s1", "m"), 1)
        self.assertEqual(self.r.execute_command("PUBLISH", "s1", "m"), 0)
        self.assertEqual(p.parse_response(timeout=5), [b"smessage", b"s1", b"m"])
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDCHANNELS"), [b"s1"])
        self.assertEqual(self.r.execute_command("PUBSUB", "SHARDNUMSUB", "s1"), [b"s1", 1])
        p.execute_command("SUNSUBSCRIBE")
        self.assertEqual(p.parse_response(timeout=5), [b"sunsubscribe", b"s1", 0])

    def test_resp2_subscribed_mode_rules(self):
        s = connect(self.server.port)
        try:
            command(s, "SUBSCRIBE", "ch")
            self.assertEqual(read_reply(s), b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
            command(s, "GET", "k")
            self.assertEqual(read_reply(s), b"-ERR " + SUBSCRIBED_ERROR.format("get").encode() +
                             b"\r\n")
            command(s, "CONFIG", "GET", "port")
            self.assertIn(b"'config|get'", read_reply(s))
            command(s, "PING")
            self.assertEqual(read_reply(s), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
            command(s, "PING", "hi")
            self.assertEqual(read_reply(s), b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n")
            # RESET leaves subscribed mode and drops the subscription.
            command(s, "RESET")
            self.assertEqual(read_reply(s), b"+RESET\r\n")
            self.assertEqual(self.r.pubsub_numsub("ch"), [(b"ch", 0)])
            command(s, "PING")
            self.assertEqual(read_reply(s), b"+PONG\r\n")
            # UNSUBSCRIBE with nothing subscribed still answers once.
            command(s, "UNSUBSCRIBE")
            self.assertEqual(read_reply(s), b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        finally:
            s.close()

    def test_resp3_push_messages_and_commands_while_subscribed(self):
        s = connect(self.server.port)
        try:
            command(s, "HELLO", "3")
            read_reply(s)
            command(s, "SUBSCRIBE", "ch")
            self.assertEqual(read_reply(s), b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
            command(s, "SET", "k", "v")  # RESP3 has no subscribed-mode limits
            self.assertEqual(read_reply(s), b"+OK\r\n")
            self.assertEqual(self.r.publish("ch", "pushed"), 1)
            self.assertEqual(read_reply(s), b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\npushed\r\n")
            command(s, "PING")
            self.assertEqual(read_reply(s), b"+PONG\r\n")
        finally:
            s.close()

    @unittest.skipUnless(shutil.which("redis-cli"), "redis-cli is not installed")
    def test_redis_cli_resp3_subscriber(self):
        cli = subprocess.Popen(["redis-cli", "-3", "-p", str(self.server.port), "subscribe",
                                "clichan"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: self.r.pubsub_numsub("clichan") == [(b"clichan", 1)],
                     "redis-cli to subscribe")
            self.assertEqual(self.r.publish("clichan", "from-python"), 1)
            self.assertEqual(self.r.publish("clichan", "second"), 1)
            lines = []
            while len(lines) < 9:
                lines.append(cli.stdout.readline().decode().strip())
            # Not a tty: redis-cli prints one bare element per line.
            self.assertEqual(lines, ["subscribe", "clichan", "1", "message", "clichan",
                                     "from-python", "message", "clichan", "second"])
        finally:
            cli.kill()
            cli.wait()
        wait_for(lambda: self.r.pubsub_numsub("clichan") == [(b"clichan", 0)],
                 "the disconnect to unsubscribe")

    def test_slow_subscriber_never_blocks_the_publisher_and_hits_the_pubsub_limit(self):
        before = self.r.info("stats")["client_output_buffer_limit_disconnections"]
        self.r.config_set("client-output-buffer-limit", "pubsub 1mb 256kb 60")
        try:
            slow = connect(self.server.port)
            slow.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
            command(slow, "SUBSCRIBE", "flood")
            read_reply(slow)
            payload = "x" * 16384
            # ~16 MB published while the subscriber reads nothing: every PUBLISH returns.
            for _ in range(1000):
                self.r.publish("flood", payload)
            wait_for(lambda: self.r.pubsub_numsub("flood") == [(b"flood", 0)],
                     "the slow subscriber to be disconnected")
            after = self.r.info("stats")["client_output_buffer_limit_disconnections"]
            self.assertGreater(after, before)
            self.assertEqual(self.r.publish("flood", "x"), 0)
            slow.close()
        finally:
            self.r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")

    def test_disconnect_unsubscribes(self):
        p = self.pubsub()
        p.subscribe("gone")
        p.psubscribe("gone*")
        p.get_message(timeout=5)
        p.get_message(timeout=5)
        p.close()
        self.opened.remove(p)
        wait_for(lambda: self.r.pubsub_numsub("gone") == [(b"gone", 0)] and
                 self.r.pubsub_numpat() == 0, "the disconnect to unsubscribe")
        self.assertEqual(self.r.publish("gone", "m"), 0)


if __name__ == "__main__":
    unittest.main()
