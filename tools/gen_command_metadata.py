#!/usr/bin/python3
"""Generates src/server/registry/command_metadata_data.cc from a live Redis 7.0 server.

Starts the installed redis-server (Debian's 7.0.15) on a free loopback port with persistence off,
asks it COMMAND and COMMAND DOCS over RESP3 (raw sockets, no client library needed), checks that
every reply field has the type and position Ferrite's COMMAND family will reproduce, and writes
the metadata as one JSON object per command inside a C++ raw string literal. The registry parses
it once at startup (about a millisecond); a data blob keeps the build cheap compared to large
constexpr initialisers.

Usage: tools/gen_command_metadata.py [--redis-server /usr/bin/redis-server] [--out FILE] [--check]
  --check: exit 1 if FILE differs from what the installed redis-server gives (CI drift check).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

# Flags Redis 7.0 keeps on commands but hides from COMMAND INFO (addReplyFlagsForCommand skips
# them), so the live server cannot tell us. Listed here from Redis 7.0's command table
# (src/commands/*.json) for the dispatcher; sentinel-only flags are left out, Ferrite is no
# sentinel.
HIDDEN_FLAGS = {
    "eval": ["may_replicate"],
    "evalsha": ["may_replicate"],
    "fcall": ["may_replicate"],
    "pfcount": ["may_replicate"],
    "publish": ["may_replicate"],
    "spublish": ["may_replicate"],
    "debug": ["protected"],
    "module|load": ["protected"],
    "module|loadex": ["protected"],
    "module|unload": ["protected"],
    "randomkey": ["touches_arbitrary_keys"],
    "scan": ["touches_arbitrary_keys"],
}

DELIMITER = "ferrite_cmd_data"


class Resp3:
    """A minimal RESP3 client that keeps each value's wire type: (type_char, value)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

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
        if kind in "+-":
            return (kind, rest.decode())
        if kind == ":":
            return (kind, int(rest))
        if kind in "$=":
            n = int(rest)
            data = self.file.read(n + 2)[:-2]
            return (kind, data.decode()[4:] if kind == "=" else data.decode())
        if kind in "*~":
            return (kind, [self.read() for _ in range(int(rest))])
        if kind == "%":
            return (kind, [(self.read(), self.read()) for _ in range(int(rest))])
        if kind == "_":
            return (kind, None)
        raise ValueError("unexpected RESP3 type %r" % line)


def expect(value, kind):
    if value[0] != kind:
        raise ValueError("expected %s, got %r" % (kind, value))
    return value[1]


def as_map(value, allowed_order):
    """A RESP3 map with bulk-string keys, checked against Redis's field order."""
    pairs = [(expect(k, "$"), v) for k, v in expect(value, "%")]
    names = [k for k, _ in pairs]
    positions = [allowed_order.index(k) for k in names]  # ValueError on unknown field
    if positions != sorted(positions):
        raise ValueError("fields out of order: %r" % names)
    return dict(pairs)


def status_set(value):
    return [expect(x, "+") for x in expect(value, "~")]


def convert_key_spec(value):
    m = as_map(value, ["notes", "flags", "begin_search", "find_keys"])
    out = {}
    if "notes" in m:
        out["notes"] = expect(m["notes"], "$")
    out["flags"] = status_set(m["flags"])
    bs = as_map(m["begin_search"], ["type", "spec"])
    bs_type = expect(bs["type"], "$")
    if bs_type == "index":
        spec = as_map(bs["spec"], ["index"])
        out["bs"] = {"type": "index", "index": expect(spec["index"], ":")}
    elif bs_type == "keyword":
        spec = as_map(bs["spec"], ["keyword", "startfrom"])
        out["bs"] = {"type": "keyword", "keyword": expect(spec["keyword"], "$"),
                     "startfrom": expect(spec["startfrom"], ":")}
    elif bs_type == "unknown":
        as_map(bs["spec"], [])
        out["bs"] = {"type": "unknown"}
    else:
        raise ValueError(bs_type)
    fk = as_map(m["find_keys"], ["type", "spec"])
    fk_type = expect(fk["type"], "$")
    if fk_type == "range":
        spec = as_map(fk["spec"], ["lastkey", "keystep", "limit"])
        out["fk"] = {"type": "range", "lastkey": expect(spec["lastkey"], ":"),
                     "keystep": expect(spec["keystep"], ":"), "limit": expect(spec["limit"], ":")}
    elif fk_type == "keynum":
        spec = as_map(fk["spec"], ["keynumidx", "firstkey", "keystep"])
        out["fk"] = {"type": "keynum", "keynumidx": expect(spec["keynumidx"], ":"),
                     "firstkey": expect(spec["firstkey"], ":"),
                     "keystep": expect(spec["keystep"], ":")}
    elif fk_type == "unknown":
        as_map(fk["spec"], [])
        out["fk"] = {"type": "unknown"}
    else:
        raise ValueError(fk_type)
    return out


ARG_FIELDS = ["name", "type", "key_spec_index", "token", "summary", "since", "deprecated_since",
              "flags", "arguments"]


def convert_args(value):
    out = []
    for item in expect(value, "*"):
        m = as_map(item, ARG_FIELDS)
        arg = {}
        for field in ARG_FIELDS:
            if field not in m:
                continue
            if field == "key_spec_index":
                arg[field] = expect(m[field], ":")
            elif field == "flags":
                arg[field] = status_set(m[field])
            elif field == "arguments":
                arg[field] = convert_args(m[field])
            else:
                arg[field] = expect(m[field], "$")
        if (arg["type"] in ("oneof", "block")) != ("arguments" in arg):
            raise ValueError("arguments presence mismatch in %r" % arg)
        out.append(arg)
    return out


DOC_FIELDS = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
              "replaced_by", "history", "arguments", "subcommands"]


def convert_docs(value):
    m = as_map(value, DOC_FIELDS)
    docs = {}
    for field in DOC_FIELDS:
        if field not in m or field == "subcommands":
            continue
        if field == "doc_flags":
            docs[field] = status_set(m[field])
        elif field == "history":
            docs[field] = []
            for entry in expect(m[field], "~"):
                version, text = expect(entry, "*")
                docs[field].append([expect(version, "$"), expect(text, "$")])
        elif field == "arguments":
            docs[field] = convert_args(m[field])
        else:
            docs[field] = expect(m[field], "$")
    subdocs = {}
    if "subcommands" in m:
        for k, v in expect(m["subcommands"], "%"):
            subdocs[expect(k, "$")] = v
    return docs, subdocs


def convert_command(info, docs_value):
    fields = expect(info, "*")
    if len(fields) != 10:
        raise ValueError("COMMAND INFO entry with %d fields" % len(fields))
    name = expect(fields[0], "$")
    cmd = {
        "name": name,
        "arity": expect(fields[1], ":"),
        "flags": status_set(fields[2]),
        "first": expect(fields[3], ":"),
        "last": expect(fields[4], ":"),
        "step": expect(fields[5], ":"),
        "acl": status_set(fields[6]),
        "tips": [expect(t, "$") for t in expect(fields[7], "~")],
        "key_specs": [convert_key_spec(k) for k in expect(fields[8], "~")],
    }
    if name in HIDDEN_FLAGS:
        cmd["hidden_flags"] = HIDDEN_FLAGS[name]
    docs, subdocs = convert_docs(docs_value)
    cmd["docs"] = docs
    subs = fields[9]
    if subs[0] == "*":
        cmd["subcommands"] = []
        for sub in sorted(subs[1], key=lambda s: expect(expect(s, "*")[0], "$")):
            sub_name = expect(expect(sub, "*")[0], "$")
            cmd["subcommands"].append(convert_command(sub, subdocs.pop(sub_name)))
        if subdocs:
            raise ValueError("docs without info: %r" % list(subdocs))
    else:
        if expect(subs, "~") or subdocs:
            raise ValueError("unexpected subcommands shape for %s" % name)
    return cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(server_bin):
    port = free_port()
    proc = subprocess.Popen(
        [server_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--daemonize", "no", "--logfile", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp")
    try:
        deadline = time.time() + 10
        while True:
            try:
                conn = Resp3(port)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        conn.call("HELLO", "3")
        version = None
        reply = conn.call("INFO", "server")
        text = reply[1] if reply[0] in "$=" else ""
        for line in text.splitlines():
            if line.startswith("redis_version:"):
                version = line.split(":", 1)[1]
        infos = expect(conn.call("COMMAND"), "*")
        docs = {expect(k, "$"): v for k, v in expect(conn.call("COMMAND", "DOCS"), "%")}
        return version, infos, docs
    finally:
        proc.terminate()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--redis-server", default="/usr/bin/redis-server")
    parser.add_argument("--out",
                        default=os.path.join(root, "src/server/registry/command_metadata_data.cc"))
    parser.add_argument("--check", action="store_true",
                        help="compare with --out instead of writing it")
    args = parser.parse_args()

    version, infos, docs = query(args.redis_server)
    commands = []
    for info in sorted(infos, key=lambda i: expect(expect(i, "*")[0], "$")):
        name = expect(expect(info, "*")[0], "$")
        commands.append(convert_command(info, docs.pop(name)))
    if docs:
        raise ValueError("docs without info: %r" % list(docs))

    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in commands]
    body = "\n".join(lines)
    if (")" + DELIMITER + '"') in body:
        raise ValueError("raw string delimiter occurs in the data")
    header = [
        "// GENERATED by tools/gen_command_metadata.py -- do not edit.",
        "//",
        "// Provenance: the replies of COMMAND and COMMAND DOCS from Debian's redis-server %s"
        % version,
        "// (package redis-server, /usr/bin/redis-server), one JSON object per command with its",
        "// subcommands nested, plus the flags Redis hides from COMMAND INFO (hidden_flags).",
        "// %d commands. Parsed once at startup by metadata_loader.cc." % len(commands),
        "// clang-format off",
        "",
        "namespace ferrite::server::registry_data {",
        "",
        'extern const char kRedisVersion[] = "%s";' % version,
        "",
        'extern const char kCommandData[] = R"%s(' % DELIMITER,
    ]
    footer = [')%s";' % DELIMITER, "", "}  // namespace ferrite::server::registry_data", ""]
    parts = ["\n".join(header), "\n", body, "\n", "\n".join(footer)]
    text = "".join(parts)
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            same = f.read() == text
        print("%s is %s" % (args.out, "up to date" if same else "STALE: rerun the generator"))
        sys.exit(0 if same else 1)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s: %d commands from redis %s" % (args.out, len(commands), version))


if __name__ == "__main__":
    main()
