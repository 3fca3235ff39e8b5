#!/usr/bin/python3
"""Runs every command (and subcommand) a server lists in COMMAND once, so that every `command`
label exists in /metrics before bench/telemetry_impact.sh times the scrape. Only for a throwaway
benchmark server: it sends FLUSHALL, ACL SETUSER and the like.

Each command gets the smallest argument list its arity allows, filled with "1" (so a blocking
command times out after 1 s instead of waiting forever), on a connection of its own, and the
reply (often an error) is read and ignored: a command is counted in ferrite_commands_total once
its handler has run, whatever it answered. CONFIG RESETSTAT runs first (it clears the
statistics), DEBUG runs as DEBUG HELP, REPLICAOF/SLAVEOF as "NO ONE"; SHUTDOWN and the
replication handshake (SYNC, PSYNC, REPLCONF, FAILOVER) are not run, so their labels stay absent.

Usage: touch_all_commands.py PORT    prints "<run> commands run, <skipped> skipped: ..."
"""

import socket
import sys
from concurrent.futures import ThreadPoolExecutor

SKIP = {"shutdown", "sync", "psync", "failover", "replconf"}
SPECIAL = {"replicaof": ["REPLICAOF", "NO", "ONE"], "slaveof": ["SLAVEOF", "NO", "ONE"],
           "debug": ["DEBUG", "HELP"]}


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b":", b",", b"#", b"(", b"_"):
            return rest.decode(errors="replace")
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            return None if n < 0 else self.exact(n).decode(errors="replace")
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        if t == b"%":
            return [[self.reply(), self.reply()] for _ in range(int(rest))]
        if t == b"|":  # attribute: skip it, then the real reply follows
            for _ in range(2 * int(rest)):
                self.reply()
            return self.reply()
        raise ValueError(f"unexpected RESP type {line!r}")


def call(port, args, timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(encode(args))
        return Reader(s).reply()


def commands(port):
    """(full name as in COMMAND, arity) for every command and subcommand."""
    out = []
    for info in call(port, ["COMMAND"]):
        name, arity = info[0], int(info[1])
        out.append((name, arity))
        if len(info) > 9 and isinstance(info[9], list):
            for sub in info[9]:
                out.append((sub[0], int(sub[1])))
    return out


def argv_for(name, arity):
    if name in SPECIAL:
        return SPECIAL[name]
    words = name.split("|")
    need = abs(arity)
    return [w.upper() for w in words] + ["1"] * max(0, need - len(words))


def main():
    port = int(sys.argv[1])
    cmds = commands(port)
    has_subs = {n.split("|")[0] for n, _ in cmds if "|" in n}
    todo, skipped = [], []
    for name, arity in cmds:
        if name in SKIP or name.split("|")[0] in SKIP:
            skipped.append(name)
        elif name in has_subs and arity < -1:
            # A container alone fails arity before it runs; its subcommands carry the labels.
            # (Containers that run alone, like COMMAND, have arity -1 and are run.)
            skipped.append(name + " (container)")
        else:
            todo.append(argv_for(name, arity))

    def one(argv):
        try:
            call(port, argv)
            return None
        except Exception as e:  # noqa: BLE001 - a closed connection (QUIT, RESET) is fine
            return f"{' '.join(argv)}: {e.__class__.__name__}"

    first = [a for a in todo if a[:2] == ["CONFIG", "RESETSTAT"]]
    todo = [a for a in todo if a[:2] != ["CONFIG", "RESETSTAT"]]
    for argv in first:
        call(port, argv)
    with ThreadPoolExecutor(max_workers=16) as pool:
        problems = [p for p in pool.map(one, todo) if p]
    print(f"{len(todo) + len(first)} commands run, {len(skipped)} skipped: {', '.join(skipped)}")
    for p in problems:
        print(f"no reply: {p}")


if __name__ == "__main__":
    main()
