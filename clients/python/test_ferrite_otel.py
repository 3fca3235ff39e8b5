"""Tests of ferrite_otel against a recording RESP server (no Ferrite needed).

Run: /usr/bin/python3 -m unittest discover -s clients/python
"""

import socket
import socketserver
import threading
import unittest

import redis

import ferrite_otel


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        buf = b""
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            buf += data
            while True:
                parsed = _parse(buf)
                if parsed is None:
                    break
                args, used = parsed
                buf = buf[used:]
                self.server.commands.append(args)
                self.request.sendall(self.server.reply(args))


def _parse(buf):
    if not buf.startswith(b"*"):
        return None
    end = buf.find(b"\r\n")
    if end < 0:
        return None
    n, pos, args = int(buf[1:end]), end + 2, []
    for _ in range(n):
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        size = int(buf[pos + 1 : end])
        if len(buf) < end + 2 + size + 2:
            return None
        args.append(buf[end + 2 : end + 2 + size].decode())
        pos = end + 2 + size + 2
    return args, pos


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, reject_traceparent=False):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.commands = []
        self.reject = reject_traceparent

    def reply(self, args):
        cmd = " ".join(args[:2]).upper()
        if cmd == "CLIENT TRACEPARENT":
            return b"-ERR unknown subcommand 'TRACEPARENT'\r\n" if self.reject else b"+OK\r\n"
        if args[0].upper() == "GET":
            return b"$5\r\nvalue\r\n"
        return b"+OK\r\n"


TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class FerriteOtelTest(unittest.TestCase):
    def start(self, **kw):
        server = _Server(**kw)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        client = ferrite_otel.instrument(redis.Redis(host="127.0.0.1", port=server.server_address[1]))
        self.addCleanup(client.close)
        return server, client

    def test_explicit_traceparent_precedes_each_command(self):
        server, client = self.start()
        self.assertEqual(client.get("outside"), b"value")
        with ferrite_otel.use_traceparent(TP, "congo=t61rcWkgMzE"):
            self.assertTrue(client.set("user:1", "v"))
            self.assertEqual(client.get("user:1"), b"value")
        self.assertEqual(client.get("after"), b"value")
        cmds = [c for c in server.commands if c[0].upper() != "CLIENT" or c[1].upper() == "TRACEPARENT"]
        self.assertEqual(
            cmds,
            [
                ["GET", "outside"],
                ["CLIENT", "TRACEPARENT", TP, "congo=t61rcWkgMzE"],
                ["SET", "user:1", "v"],
                ["CLIENT", "TRACEPARENT", TP, "congo=t61rcWkgMzE"],
                ["GET", "user:1"],
                ["GET", "after"],
            ],
        )

    def test_rejecting_server_disables_injection(self):
        server, client = self.start(reject_traceparent=True)
        with ferrite_otel.use_traceparent(TP):
            self.assertTrue(client.set("a", "1"))  # the error reply is consumed, not raised
            self.assertEqual(client.get("a"), b"value")
        sent = [c for c in server.commands if c[:2] == ["CLIENT", "TRACEPARENT"]]
        self.assertEqual(len(sent), 1)

    def test_invalid_explicit_value_is_refused(self):
        with self.assertRaises(ValueError):
            with ferrite_otel.use_traceparent("00-XYZ"):
                pass

    @unittest.skipIf(ferrite_otel._otel_trace is None, "opentelemetry-api is not installed")
    def test_opentelemetry_current_span(self):
        from opentelemetry.sdk.trace import TracerProvider

        server, client = self.start()
        tracer = TracerProvider().get_tracer("test")
        with tracer.start_as_current_span("handle") as span:
            client.get("k")
            ctx = span.get_span_context()
        tp = "00-%032x-%016x-01" % (ctx.trace_id, ctx.span_id)
        self.assertIn(["CLIENT", "TRACEPARENT", tp], server.commands)


if __name__ == "__main__":
    unittest.main()
