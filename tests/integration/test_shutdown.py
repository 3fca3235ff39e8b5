"""SIGTERM, SIGINT and the SHUTDOWN command each stop ferrite cleanly with exit code 0, also with
clients connected and mid-command.

Run: FERRITE_BIN=build/release/ferrite /usr/bin/python3 -m unittest -v tests/integration/test_shutdown.py
"""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ferrite_server import ServerProcess, connect, ping, read_reply, read_until_closed  # noqa


class ShutdownTest(unittest.TestCase):
    def setUp(self):
        self.server = ServerProcess("ferrite", threads=2).start()

    def tearDown(self):
        self.server.cleanup()

    def busy_clients(self):
        """Leaves clients connected: one idle, one mid-command, one with an unread reply."""
        clients = [connect(self.server.port) for _ in range(3)]
        clients[0].sendall(b"PING\r\n")
        self.assertEqual(read_reply(clients[0]), b"+PONG\r\n")
        clients[1].sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")
        clients[2].sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
        return clients

    def check_stops(self, sig):
        clients = self.busy_clients()
        port = self.server.port
        code = self.server.stop(sig, timeout=10)
        self.assertEqual(code, 0, self.server.log_text()[-2000:])
        self.assertFalse(ping(port, timeout=0.5))
        for c in clients:
            c.close()

    def test_sigterm(self):
        self.check_stops(signal.SIGTERM)

    def test_sigint(self):
        self.check_stops(signal.SIGINT)

    def test_shutdown_command(self):
        clients = self.busy_clients()
        with connect(self.server.port) as s:
            s.sendall(b"*1\r\n$8\r\nSHUTDOWN\r\n")
            # Redis closes the connection without a reply when SHUTDOWN succeeds.
            self.assertEqual(read_until_closed(s, timeout=10), b"")
        self.assertEqual(self.server.wait_exit(timeout=10), 0, self.server.log_text()[-2000:])
        for c in clients:
            c.close()

    def test_shutdown_nosave_inline(self):
        with connect(self.server.port) as s:
            s.sendall(b"SHUTDOWN NOSAVE\r\n")
            self.assertEqual(read_until_closed(s, timeout=10), b"")
        self.assertEqual(self.server.wait_exit(timeout=10), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
