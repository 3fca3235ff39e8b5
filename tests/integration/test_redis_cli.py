"""Debian's redis-cli (redis-tools 7.0.15) against a real ferrite binary.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v tests/integration/test_redis_cli.py
"""

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ferrite_server import ServerProcess  # noqa: E402

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


@unittest.skipUnless(os.access(REDIS_CLI, os.X_OK), "redis-cli (redis-tools) is not installed")
class RedisCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("ferrite", threads=2).start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            assert code == 0, f"ferrite exited with {code}"
        finally:
            cls.server.cleanup()

    def cli(self, *args, stdin=None, check=True):
        proc = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.server.port)] +
                              list(args), input=stdin, capture_output=True, timeout=60)
        if check:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout.decode("utf-8", "replace")

    def setUp(self):
        self.assertEqual(self.cli("flushall"), "OK\n")

    def test_ping(self):
        self.assertEqual(self.cli("ping"), "PONG\n")

    def test_set_get(self):
        self.assertEqual(self.cli("set", "name", "ferrite value"), "OK\n")
        self.assertEqual(self.cli("get", "name"), "ferrite value\n")
        self.assertEqual(self.cli("incrby", "n", "5"), "5\n")
        self.assertEqual(self.cli("get", "missing"), "\n")
        # With a terminal absent redis-cli prints raw replies; --no-raw shows the types.
        self.assertEqual(self.cli("--no-raw", "get", "missing"), "(nil)\n")
        self.assertEqual(self.cli("--no-raw", "incr", "n"), "(integer) 6\n")
        self.assertEqual(self.cli("--no-raw", "get", "name"), '"ferrite value"\n')
        out = self.cli("--no-raw", "incr", "name")
        self.assertEqual(out, "(error) ERR value is not an integer or out of range\n")

    def test_pipe_mass_insertion(self):
        n = 20000
        payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nval:%d\r\n" %
                           (len(b"key:%d" % i), i, len(b"val:%d" % i), i) for i in range(n))
        out = self.cli("--pipe", stdin=payload)
        self.assertIn(f"errors: 0, replies: {n}", out)
        self.assertEqual(self.cli("dbsize"), f"{n}\n")
        self.assertEqual(self.cli("get", "key:12345"), "val:12345\n")

    def test_scan(self):
        payload = b"".join(b"SET scan:%d x\r\n" % i for i in range(500)) + b"SET other x\r\n"
        self.cli("--pipe", stdin=payload)
        keys = self.cli("--scan", "--pattern", "scan:*").split()
        self.assertEqual(sorted(keys), sorted(f"scan:{i}" for i in range(500)))
        self.assertEqual(len(self.cli("--scan").split()), 501)

    def test_info(self):
        out = self.cli("info")
        self.assertIn("# Server", out)
        self.assertIn("redis_version:", out)
        self.assertIn(f"tcp_port:{self.server.port}", out)
        stats = self.cli("info", "stats")
        self.assertIn("total_commands_processed:", stats)
        self.assertNotIn("# Server", stats)

    def test_command_docs_for_hints(self):
        # redis-cli fetches COMMAND DOCS at start-up for its interactive hints; with --no-raw the
        # map of docs prints as nested key/value lines.
        out = self.cli("--no-raw", "command", "docs", "get")
        self.assertIn('"get"', out)
        self.assertIn('"summary"', out)
        self.assertIn("Get the value of a key", out)
        self.assertIn('"arguments"', out)
        raw = self.cli("command", "docs", "get")
        self.assertIn("summary", raw)
        self.assertIn("since", raw)

    def test_interactive_session_from_stdin(self):
        # Interactive mode reading commands from a pipe, as a user would type them.
        out = self.cli(stdin=b"set a 1\nincr a\nget a\n")
        self.assertEqual(out.split(), ["OK", "2", "2"])

    def test_resp3_mode(self):
        out = self.cli("-3", "--no-raw", "get", "missing")
        self.assertEqual(out, "(nil)\n")
        out = self.cli("-3", "--no-raw", "hello")
        self.assertIn('"proto" => (integer) 3', out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
