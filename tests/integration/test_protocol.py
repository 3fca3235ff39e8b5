"""Protocol-level integration tests over raw sockets against a real ferrite binary.

Where practical the same bytes go to Debian's redis-server 7.0.15 on another free port and the
replies must be byte-identical (skipped when /usr/bin/redis-server is absent); the literal
expected bytes are asserted too, so the test means the same without redis-server.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v tests/integration/test_protocol.py
"""

import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ferrite_server import (ServerProcess, connect, encode_command, read_exact,  # noqa
                            read_line, read_reply, read_until_closed, redis_server_available)

QUIT = b"*1\r\n$4\r\nQUIT\r\n"
TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


resp = encode_command  # a command as a RESP multibulk request


def exchange(port, payload, timeout=10.0):
    """Sends `payload` on a new connection and returns all bytes until the server closes it."""
    with connect(port, timeout) as s:
        s.sendall(payload)
        return read_until_closed(s, timeout)


def replies(port, commands, timeout=10.0):
    """Sends each command and reads exactly one reply for each; returns the list of raw replies."""
    with connect(port, timeout) as s:
        out = []
        for c in commands:
            s.sendall(c)
            out.append(read_reply(s, timeout))
        return out


class ProtocolTest(unittest.TestCase):
    # A fresh ferrite per test, so a test that wedges or kills it cannot fail the others; one
    # redis-server for the class (it is the reference, not under test).
    @classmethod
    def setUpClass(cls):
        cls.redis = None
        if redis_server_available():
            cls.redis = ServerProcess("redis").start()

    @classmethod
    def tearDownClass(cls):
        if cls.redis is not None:
            try:
                cls.redis.stop()
            finally:
                cls.redis.cleanup()

    def setUp(self):
        self.ferrite = ServerProcess("ferrite", threads=2).start()
        if self.redis is not None:
            self.assertEqual(exchange(self.redis.port, resp("FLUSHALL") + QUIT),
                             b"+OK\r\n+OK\r\n")

    def tearDown(self):
        try:
            alive = self.ferrite.alive()
            code = self.ferrite.stop() if alive else self.ferrite.proc.returncode
            self.assertTrue(alive, "ferrite died during the test")
            self.assertEqual(code, 0, f"ferrite exit code: {self.ferrite.log_text()[-2000:]}")
        finally:
            self.ferrite.cleanup()

    def same_as_redis(self, payload, expected=None, fn=exchange):
        """Runs `fn(port, payload)` on ferrite (and redis-server when present) and compares."""
        got = fn(self.ferrite.port, payload)
        if expected is not None:
            self.assertEqual(got, expected)
        if self.redis is not None:
            theirs = fn(self.redis.port, payload)
            if isinstance(payload, list):  # one reply per command: name the command that differs
                for command, mine, ref in zip(payload, got, theirs):
                    self.assertEqual(mine, ref, f"reply to {command!r} differs from redis-server")
            self.assertEqual(got, theirs, "differs from redis-server 7.0")
        self.assertTrue(self.ferrite.alive())
        return got

    # --- protocol errors: Redis's exact text, then the connection closes ---------------------------

    def test_protocol_errors_close_the_connection(self):
        cases = [
            (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
            (b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
            (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
            (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
            (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
            (b"*2\r\n$4\r\nECHO\r\n:12\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
            (b'SET "foo bar\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
            (b'SET "foo"bar x\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
            (b"PING\r\n*x\r\nPING\r\n",
             b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"),
        ]
        for payload, expected in cases:
            with self.subTest(payload=payload):
                self.same_as_redis(payload, expected)

    def test_oversized_protocol_lines(self):
        cases = [
            (b"A" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
            (b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
            (b"*1\r\n$" + b"1" * 70000, b"-ERR Protocol error: too big bulk count string\r\n"),
        ]
        for payload, expected in cases:
            with self.subTest(payload=payload[:8]):
                self.same_as_redis(payload, expected)

    def test_bulk_length_limit_is_512mb(self):
        header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870913\r\n"
        self.same_as_redis(header, b"-ERR Protocol error: invalid bulk length\r\n")
        # Exactly 512 MB is accepted: the server waits for the payload instead of erroring.
        for srv in (self.ferrite, self.redis):
            if srv is None:
                continue
            with connect(srv.port) as s:
                s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + b"x" * 1000)
                s.settimeout(1.0)
                with self.assertRaises(socket.timeout, msg=srv.kind):
                    s.recv(100)

    def test_hundred_megabyte_value_round_trips(self):
        value = os.urandom(1024) * (100 * 1024)  # 100 MB
        with connect(self.ferrite.port, timeout=60) as s:
            s.sendall(resp("SET", "big", value))
            self.assertEqual(read_reply(s, 60), b"+OK\r\n")
            s.sendall(resp("STRLEN", "big"))
            self.assertEqual(read_reply(s, 60), b":%d\r\n" % len(value))
            s.sendall(resp("GET", "big"))
            self.assertEqual(read_line(s, 60), b"$%d\r\n" % len(value))
            self.assertTrue(read_exact(s, len(value) + 2, 60) == value + b"\r\n")
            s.sendall(resp("DEL", "big"))
            self.assertEqual(read_reply(s, 60), b":1\r\n")

    # --- well-formed input ---------------------------------------------------------------------

    def test_inline_commands(self):
        payload = (b"SET k v\r\nGET k\r\n\r\n   \r\nECHO \"a\\x41\\n\" \r\nECHO 'it''s'\r\n"
                   b"ECHO 'don\\'t'\r\nPING\nEXISTS k nope k\r\n" + QUIT)
        self.same_as_redis(payload, b"+OK\r\n$1\r\nv\r\n$3\r\naA\n\r\n"
                           b"-ERR Protocol error: unbalanced quotes in request\r\n")

    def test_inline_commands_well_formed(self):
        payload = (b"SET k v\r\nGET k\r\n\r\n   \r\nECHO \"a\\x41\\n\" \r\n"
                   b"ECHO 'don\\'t'\r\nPING\nEXISTS k nope k\r\n" + QUIT)
        self.same_as_redis(payload, b"+OK\r\n$1\r\nv\r\n$3\r\naA\n\r\n$5\r\ndon't\r\n"
                           b"+PONG\r\n:2\r\n+OK\r\n")

    def test_garbage_gets_the_same_replies_as_redis(self):
        # No NUL bytes: Redis looks for the inline newline with strchr(), so a NUL makes it wait
        # for more input (a C-string quirk, see docs/compatibility.md).
        payload = b"*1\r\n$4\r\nPING\r\n" + bytes(range(1, 256)) * 4 + b"\r\n"
        self.same_as_redis(payload)

    def test_bulk_payload_terminator_is_skipped_like_redis(self):
        # Redis skips the two bytes after a bulk payload without checking they are CRLF.
        payload = resp("SET", "k", "v") + b"*1\r\n$3\r\nGETX\r\n" + QUIT
        self.same_as_redis(payload, b"+OK\r\n-ERR wrong number of arguments for 'get' command"
                           b"\r\n+OK\r\n")

    def test_empty_and_negative_multibulk_are_ignored(self):
        self.same_as_redis(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n" + QUIT, b"+PONG\r\n+OK\r\n")

    def test_request_split_into_single_bytes(self):
        def byte_by_byte(port, payload):
            with connect(port) as s:
                for i in range(len(payload)):
                    s.sendall(payload[i:i + 1])
                return read_until_closed(s)
        payload = resp("SET", "key", "va\r\nlue") + resp("GET", "key") + b"PING\r\n" + QUIT
        self.same_as_redis(payload, b"+OK\r\n$7\r\nva\r\nlue\r\n+PONG\r\n+OK\r\n", byte_by_byte)

    def test_command_errors_match_redis(self):
        commands = [
            resp("FOO", "bar", "baz"), resp("GET"), resp("GET", "a", "b"), resp("SET", "k", "v"),
            resp("SET", "k", "v", "EX", "0"), resp("SET", "k", "v", "NX", "XX"),
            resp("SET", "k", "v", "EX", "abc"), resp("SET", "k", "v", "PX", "-1"),
            resp("SET", "k", "v", "KEEPTTL", "EX", "10"), resp("INCR", "k"),
            resp("INCRBY", "n", "x"), resp("INCRBYFLOAT", "n", "nan"),
            resp("SET", "n", "9223372036854775807"), resp("INCR", "n"),
            resp("DECRBY", "m", "-9223372036854775808"), resp("SETRANGE", "k", "-1", "x"),
            resp("SETRANGE", "k", "536870912", "x"), resp("GETRANGE", "k", "0"),
            resp("EXPIRE", "k", "10", "NX", "XX"), resp("EXPIRE", "k", "abc"),
            resp("EXPIRE", "k", "10", "FOO"), resp("RENAME", "nokey", "x"),
            resp("SELECT", "16"), resp("SELECT", "x"), resp("SWAPDB", "0", "99"),
            resp("MOVE", "k", "0"), resp("OBJECT", "ENCODING", "nokey"),
            resp("SCAN", "abc"), resp("SCAN", "0", "COUNT", "0"), resp("GETEX", "k", "EX"),
            resp("MSET", "a"), resp("CLIENT", "SETNAME", "a b"), resp("CLIENT", "NOPE"),
            resp("HELLO", "4"), resp("PING", "a", "b"), resp("ECHO"), resp("DBSIZE", "x"),
            resp("LCS", "k"), resp("COPY", "k", "k"), resp("TTL", "nokey"),
            resp("EXPIRETIME", "k"), resp("TYPE", "k"), resp("STRLEN", "nokey"),
        ]
        got = self.same_as_redis(commands, fn=replies)
        self.assertEqual(got[0], b"-ERR unknown command 'FOO', with args beginning with: "
                         b"'bar' 'baz' \r\n")
        self.assertEqual(got[1], b"-ERR wrong number of arguments for 'get' command\r\n")

    # --- pipelining and isolation --------------------------------------------------------------

    def test_deep_pipeline_of_100k_commands_in_one_write(self):
        n = 50_000
        payload = b"".join(resp("SET", b"k%d" % i, b"v%d" % i) + resp("GET", b"k%d" % i)
                           for i in range(n))
        expected = b"".join(b"+OK\r\n$%d\r\nv%d\r\n" % (len(b"v%d" % i), i) for i in range(n))
        with connect(self.ferrite.port, timeout=60) as s:
            received = bytearray()

            def reader():
                while len(received) < len(expected):
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        break
                    received.extend(chunk)

            t = threading.Thread(target=reader)
            t.start()
            s.sendall(payload)  # one write of 100k commands
            t.join(120)
        self.assertEqual(len(received), len(expected))
        self.assertTrue(bytes(received) == expected, "replies out of order or wrong")

    def test_garbage_or_vanishing_client_does_not_affect_others(self):
        good = connect(self.ferrite.port)
        good.sendall(resp("SET", "shared", "1"))
        self.assertEqual(read_reply(good), b"+OK\r\n")
        # A client that vanishes half-way through a bulk argument.
        half = connect(self.ferrite.port)
        half.sendall(b"*3\r\n$3\r\nSET\r\n$6\r\nshared\r\n$100\r\nabc")
        # A client that sends random garbage.
        noisy = connect(self.ferrite.port)
        noisy.sendall(b"*1\r\n$4\r\nPING\r\n" + bytes(range(256)) * 40)
        answer = read_until_closed(noisy)
        self.assertTrue(answer.startswith(b"+PONG\r\n"), answer[:100])
        self.assertIn(b"-ERR Protocol error: unbalanced quotes in request\r\n", answer)
        noisy.close()
        # A client that vanishes half-way through the multibulk header, with RST.
        rst = connect(self.ferrite.port)
        rst.sendall(b"*5\r\n$3\r\nSET\r\n")
        rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        rst.close()
        half.close()
        for i in range(100):
            good.sendall(resp("INCR", "shared"))
            self.assertEqual(read_reply(good), b":%d\r\n" % (i + 2))
        good.close()
        self.assertTrue(self.ferrite.alive())

    def test_client_that_never_reads_cannot_grow_memory_without_bound(self):
        value = os.urandom(1024 * 1024)  # 1 MB
        n_gets = 400  # 400 MB of replies if the server buffered them all
        with connect(self.ferrite.port) as s:
            s.sendall(resp("SET", "v", value))
            self.assertEqual(read_reply(s), b"+OK\r\n")
        baseline_kb = self.ferrite.rss_kb()
        greedy = connect(self.ferrite.port)
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        greedy.sendall(resp("GET", "v") * n_gets)  # 8.8 kB: fits in the kernel buffers
        peak_kb = baseline_kb
        for _ in range(20):  # watch for 2 s while the client does not read
            time.sleep(0.1)
            peak_kb = max(peak_kb, self.ferrite.rss_kb())
        growth_mb = (peak_kb - baseline_kb) / 1024
        # The soft limit is 64 MB of pending output; allow for one reply past it and allocator
        # slack, far below the 400 MB an unbounded buffer would take.
        self.assertLess(growth_mb, 160, f"RSS grew {growth_mb:.0f} MB for a non-reading client")
        # Other clients are served meanwhile.
        with connect(self.ferrite.port) as other:
            other.sendall(resp("STRLEN", "v"))
            self.assertEqual(read_reply(other), b":1048576\r\n")
        # Once the client reads, every reply arrives, complete and in order.
        reply = b"$1048576\r\n" + value + b"\r\n"
        greedy.settimeout(60)
        for i in range(n_gets):
            self.assertTrue(read_exact(greedy, len(reply), 60) == reply, f"reply {i}")
        greedy.close()

    # --- RESP3, attributes, QUIT, RESET ----------------------------------------------------------

    def test_hello_3_and_resp3_reply_types(self):
        with connect(self.ferrite.port) as s:
            s.sendall(resp("HELLO", "3"))
            hello = read_reply(s)
        self.assertTrue(hello.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"))
        self.assertIn(b"$5\r\nproto\r\n:3\r\n", hello)
        self.assertIn(b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n", hello)
        self.assertTrue(hello.endswith(b"$7\r\nmodules\r\n*0\r\n"))
        commands = [
            resp("HELLO", "3"), resp("SET", "k", "v"), resp("GET", "missing"),
            resp("MGET", "k", "missing"), resp("SET", "k2", "v", "GET"), resp("EXISTS", "k"),
            resp("SET", "s1", "ohmytext"), resp("SET", "s2", "mynewtext"),
            resp("LCS", "s1", "s2", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"),
            resp("INCRBYFLOAT", "f", "1.5"), resp("GETEX", "missing"), resp("PING"),
            resp("TTL", "k"), resp("CLIENT", "GETNAME"), resp("RANDOMKEY", "x"),
            resp("HELLO", "2"), resp("GET", "missing"), resp("MGET", "missing"),
        ]
        out = replies(self.ferrite.port, commands)
        self.assertEqual(out[2], b"_\r\n")
        self.assertEqual(out[3], b"*2\r\n$1\r\nv\r\n_\r\n")
        self.assertEqual(out[4], b"_\r\n")
        self.assertTrue(out[8].startswith(b"%2\r\n$7\r\nmatches\r\n"))
        self.assertEqual(out[13], b"_\r\n")
        self.assertEqual(out[16], b"$-1\r\n")
        self.assertEqual(out[17], b"*1\r\n$-1\r\n")
        if self.redis is not None:
            theirs = replies(self.redis.port, commands)
            for i in range(1, len(commands)):
                if i == 15:  # HELLO 2 carries the connection id and version
                    continue
                self.assertEqual(out[i], theirs[i], f"reply to {commands[i]!r}")

    def test_trace_attribute_gets_no_reply_of_its_own(self):
        attribute = b"|1\r\n+traceparent\r\n+" + TRACEPARENT + b"\r\n"
        payload = (attribute + resp("PING") + attribute + resp("SET", "a", "1") +
                   b"|2\r\n+traceparent\r\n+" + TRACEPARENT + b"\r\n+tracestate\r\n+k=v\r\n" +
                   resp("GET", "a") + QUIT)
        self.assertEqual(exchange(self.ferrite.port, payload),
                         b"+PONG\r\n+OK\r\n$1\r\n1\r\n+OK\r\n")
        # The same after HELLO 3.
        with connect(self.ferrite.port) as s:
            s.sendall(resp("HELLO", "3"))
            read_reply(s)
            s.sendall(attribute + resp("GET", "nothing"))
            self.assertEqual(read_reply(s), b"_\r\n")

    def test_quit_replies_ok_and_closes_before_later_commands(self):
        payload = resp("SET", "a", "1") + QUIT + resp("SET", "b", "2")
        self.same_as_redis(payload, b"+OK\r\n+OK\r\n")
        self.same_as_redis(b"QUIT\r\nPING\r\n", b"+OK\r\n")
        self.same_as_redis(resp("EXISTS", "a", "b") + QUIT, b":1\r\n+OK\r\n")

    def test_reset_restores_connection_defaults(self):
        commands = [resp("HELLO", "3"), resp("SELECT", "3"), resp("CLIENT", "SETNAME", "x"),
                    resp("SET", "in3", "v"), resp("RESET"), resp("CLIENT", "GETNAME"),
                    resp("EXISTS", "in3"), resp("GET", "in3"), resp("SELECT", "3"),
                    resp("GET", "in3")]
        out = replies(self.ferrite.port, commands)
        self.assertEqual(out[1:], [b"+OK\r\n", b"+OK\r\n", b"+OK\r\n", b"+RESET\r\n", b"$-1\r\n",
                                   b":0\r\n", b"$-1\r\n", b"+OK\r\n", b"$1\r\nv\r\n"])
        if self.redis is not None:
            self.assertEqual(out[1:], replies(self.redis.port, commands)[1:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
