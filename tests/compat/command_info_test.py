#!/usr/bin/python3
"""Compares Ferrite's COMMAND replies with Debian's redis-server 7.0.15, over real sockets.

For every command Ferrite lists (COMMAND LIST), checks that COMMAND INFO and COMMAND DOCS answer
exactly as Redis does, in RESP2 and RESP3 (wire types included); Ferrite's own extension
commands are listed but not compared. Redis lists all subcommands of a
container while Ferrite lists the ones it implements, so containers are compared on Ferrite's
subcommands, in name order. Also compares COMMAND GETKEYS / GETKEYSANDFLAGS on sample command
lines for the commands Ferrite implements, and COMMAND HELP.

Usage:
  tests/compat/command_info_test.py --ferrite build/release/ferrite
  tests/compat/command_info_test.py --ferrite-port 6380        # a server already running
Exit status 0 when everything matches, 1 otherwise (each mismatch is printed).
"""

import argparse
import os
import socket
import subprocess
import sys
import time


class Conn:
    """Raw RESP client that keeps wire types: values are (type_char, payload)."""

    def __init__(self, port, protocol):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        if protocol == 3:
            hello = self.call("HELLO", "3")
            if hello[0] != "%":
                raise RuntimeError("HELLO 3 failed: %r" % (hello,))

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise IOError("connection closed")
        kind, rest = chr(line[0]), line[1:-2]
        if kind in "+-:_,#(":
            return (kind, rest.decode())
        if kind in "$=":
            n = int(rest)
            if n < 0:
                return (kind, None)
            return (kind, self.file.read(n + 2)[:-2].decode())
        if kind in "*~>":
            n = int(rest)
            return (kind, None if n < 0 else [self.read() for _ in range(n)])
        if kind == "%":
            return (kind, [(self.read(), self.read()) for _ in range(int(rest))])
        raise ValueError("unexpected reply %r" % line)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, port):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp")
    deadline = time.time() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("could not start %s" % argv[0])
            time.sleep(0.05)


def keep_subcommands(info, allowed):
    """Drops subcommands Ferrite does not list and sorts the rest (Redis's order is a hash's)."""
    kind, fields = info
    if kind != "*" or fields is None or len(fields) != 10 or fields[9][0] != "*":
        return info
    subs = [keep_subcommands(s, allowed) for s in fields[9][1] if s[1][0][1] in allowed]
    subs.sort(key=lambda s: s[1][0][1])
    return (kind, fields[:9] + [("*", subs)])


def keep_sub_docs(docs, allowed):
    kind = docs[0]
    out = []
    for k, v in pairs_of(docs):
        if k[1] == "subcommands":
            sub = sorted([(sk, sv) for sk, sv in pairs_of(v) if sk[1] in allowed], key=lambda p: p[0][1])
            v = ("%", sub) if v[0] == "%" else ("*", [x for p in sub for x in p])
        out.append((k, v))
    return ("%", out) if kind == "%" else ("*", [x for p in out for x in p])


def pairs_of(value):
    kind, body = value
    return list(body) if kind == "%" else [(body[i], body[i + 1]) for i in range(0, len(body), 2)]


def docs_reply(reply, allowed):
    """COMMAND DOCS's reply (name -> docs map) with each container's subcommands filtered."""
    pairs = [(k, keep_sub_docs(v, allowed)) for k, v in pairs_of(reply)]
    return ("%", pairs) if reply[0] == "%" else ("*", [x for p in pairs for x in p])


GETKEYS_SAMPLES = [
    ["get", "k"], ["set", "k", "v"], ["set", "k", "v", "GET"], ["mset", "a", "1", "b", "2"],
    ["mget", "a", "b"], ["del", "a", "b"], ["exists", "a"], ["rename", "a", "b"],
    ["incr", "k"], ["append", "k", "v"], ["getrange", "k", "0", "1"], ["expire", "k", "10"],
    ["zunionstore", "d", "2", "a", "b"], ["zunionstore", "d", "0", "a"], ["eval", "s", "1", "k"],
    ["sintercard", "2", "a", "b"], ["xread", "STREAMS", "s", "0"], ["sort", "l", "STORE", "d"],
    ["ping"], ["lcs", "a", "b"], ["copy", "a", "b"], ["getex", "k", "PERSIST"],
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ferrite", help="path of the ferrite binary to start")
    parser.add_argument("--ferrite-port", type=int, help="port of a running Ferrite")
    parser.add_argument("--redis-server", default="/usr/bin/redis-server")
    args = parser.parse_args()
    if not args.ferrite and not args.ferrite_port:
        parser.error("give --ferrite or --ferrite-port")
    if not os.access(args.redis_server, os.X_OK):
        print("SKIP: no %s" % args.redis_server)
        return 0

    procs = []
    try:
        redis_port = free_port()
        procs.append(start([args.redis_server, "--port", str(redis_port), "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", "--logfile", ""], redis_port))
        ferrite_port = args.ferrite_port
        if args.ferrite:
            ferrite_port = free_port()
            procs.append(start([os.path.abspath(args.ferrite), "--port", str(ferrite_port)],
                               ferrite_port))

        failures = 0
        checked = 0
        for protocol in (2, 3):
            redis = Conn(redis_port, protocol)
            ferrite = Conn(ferrite_port, protocol)
            reply = ferrite.call("COMMAND", "LIST")
            if reply[0] != "*":
                print("FAIL: COMMAND LIST answered %r (is the COMMAND family registered?)"
                      % (reply,))
                return 1
            redis_names = set(n for _, n in redis.call("COMMAND", "LIST")[1])
            # Ferrite's own extensions (CLIENT TRACEPARENT...) have no Redis counterpart.
            extensions = sorted(n for _, n in reply[1] if n not in redis_names)
            listed = [n for _, n in reply[1] if n in redis_names]
            allowed = set(listed)
            if protocol == 2:
                print("Ferrite lists %d Redis commands and subcommands; not compared (Ferrite "
                      "extensions): %s" % (len(listed), ", ".join(extensions) or "none"))

            def compare(what, theirs, ours):
                nonlocal failures, checked
                checked += 1
                if theirs != ours:
                    failures += 1
                    print("MISMATCH RESP%d %s\n  redis:   %r\n  ferrite: %r"
                          % (protocol, what, theirs, ours))

            for name in listed:
                theirs = redis.call("COMMAND", "INFO", name)
                ours = ferrite.call("COMMAND", "INFO", name)
                compare("COMMAND INFO " + name,
                        ("*", [keep_subcommands(e, allowed) for e in theirs[1]]),
                        ("*", [keep_subcommands(e, allowed) for e in ours[1]]))
                theirs = redis.call("COMMAND", "DOCS", name)
                ours = ferrite.call("COMMAND", "DOCS", name)
                compare("COMMAND DOCS " + name, docs_reply(theirs, allowed),
                        docs_reply(ours, allowed))
            if "command|help" in allowed:
                compare("COMMAND HELP", redis.call("COMMAND", "HELP"),
                        ferrite.call("COMMAND", "HELP"))
            for sample in GETKEYS_SAMPLES:
                if sample[0] not in allowed:
                    continue
                for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                    if "command|" + sub.lower() not in allowed:
                        continue
                    compare("COMMAND %s %s" % (sub, " ".join(sample)),
                            redis.call("COMMAND", sub, *sample),
                            ferrite.call("COMMAND", sub, *sample))
        print("%d comparisons, %d mismatches" % (checked, failures))
        return 1 if failures else 0
    finally:
        for p in procs:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    sys.exit(main())
