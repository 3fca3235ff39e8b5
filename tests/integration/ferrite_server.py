"""Test harness: runs a real ferrite binary (or Debian's redis-server) on a free loopback port.

Used by the Python integration tests (unittest, run through /usr/bin/python3 so Debian's
python3-redis is the client). A server is started with `ServerProcess.start()`, answers PING
before `start()` returns, and `stop()` sends SIGTERM and checks that the process exits with code 0
within a few seconds. Standard error goes to a temporary log file, shown when something fails.

The ferrite binary is found through the FERRITE_BIN environment variable (CMake sets it from
$<TARGET_FILE:ferrite>), else the first of build/*/ferrite that exists.
"""

import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REDIS_SERVER = "/usr/bin/redis-server"


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it when the test process dies (a killed or timed
    out test must not leave a server behind)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def ferrite_binary():
    path = os.environ.get("FERRITE_BIN")
    if path:
        return path
    for preset in ("release", "integ", "debug", "lite", "tsan"):
        candidate = os.path.join(REPO_ROOT, "build", preset, "ferrite")
        if os.access(candidate, os.X_OK):
            return candidate
    for candidate in sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "ferrite"))):
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("ferrite binary not found: set FERRITE_BIN or build it")


def server_env():
    """The environment for a test server: the Prometheus endpoint (a fixed port, 9090, by
    default) is off unless the caller asks for it, so concurrent test servers don't collide."""
    env = dict(os.environ)
    env.setdefault("FERRITE_METRICS_ENABLED", "false")
    return env


def free_port():
    """A loopback TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_available():
    return os.access(REDIS_SERVER, os.X_OK)


def ping(port, timeout=1.0):
    """True when a server on `port` answers an inline PING with +PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = s.recv(64)
                if not chunk:
                    return False
                data += chunk
            return data == b"+PONG\r\n"
    except OSError:
        return False


class ServerProcess:
    """One server process on 127.0.0.1:port. kind is "ferrite" or "redis"."""

    def __init__(self, kind="ferrite", threads=2, extra_args=(), binary=None):
        self.kind = kind
        self.threads = threads
        self.extra_args = list(extra_args)
        self.binary = os.path.abspath(
            binary or (ferrite_binary() if kind == "ferrite" else REDIS_SERVER))
        self.port = None
        self.proc = None
        self.workdir = None
        self._log = None

    # --- lifecycle ------------------------------------------------------------------------------

    def command_line(self):
        if self.kind == "ferrite":
            return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--threads",
                    str(self.threads), "--dir", os.path.join(self.workdir, "data")] + self.extra_args
        return [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", self.workdir] + self.extra_args

    def start(self, timeout=20.0, port=None):
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix=f"{self.kind}-it-")
        last_error = None
        for _ in range(5):  # a port taken between free_port() and bind: try another
            self.port = port or free_port()
            self._log = open(os.path.join(self.workdir, "server.log"), "ab")
            self.proc = subprocess.Popen(self.command_line(), cwd=self.workdir, env=server_env(),
                                         stdout=self._log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if ping(self.port):
                    return self
                time.sleep(0.05)
            last_error = (f"{self.kind} did not answer PING on port {self.port} "
                          f"(exit code {self.proc.poll()}): {self.log_text()[-2000:]}")
            self._kill()
            if port is not None:
                break
        raise RuntimeError(last_error)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends `sig` and returns the exit code; raises if the process outlives `timeout`."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise RuntimeError(f"{self.kind} did not exit within {timeout}s of signal {sig}")
        finally:
            if self._log:
                self._log.close()
                self._log = None
        self.proc = None
        return code

    def wait_exit(self, timeout=10.0):
        """Waits for the process to exit on its own (SHUTDOWN); returns the exit code."""
        code = self.proc.wait(timeout=timeout)
        self.proc = None
        return code

    def cleanup(self):
        self._kill()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None

    # --- inspection -----------------------------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(os.path.join(self.workdir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def rss_kb(self):
        """Resident set size from /proc/<pid>/status (VmRSS), in kB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("VmRSS not found")

    def client(self, **kwargs):
        import redis  # Debian's python3-redis
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            if self.alive():
                self.stop()
        finally:
            self.cleanup()


# --- raw protocol helpers ---------------------------------------------------------------------


def encode_command(*args):
    """A command as a RESP array of bulk strings (str, bytes or numbers)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def connect(port, timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(sock, timeout=5.0, limit=1 << 20):
    """Everything the peer sends until it closes; raises socket.timeout if it stays open."""
    sock.settimeout(timeout)
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def read_exact(sock, n, timeout=10.0):
    sock.settimeout(timeout)
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(n - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {n} bytes")
        data += chunk
    return bytes(data)


def read_line(sock, timeout=10.0):
    sock.settimeout(timeout)
    data = bytearray()
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed mid-line: %r" % bytes(data))
        data += chunk
    return bytes(data)


def read_reply(sock, timeout=10.0):
    """Reads one complete RESP2/RESP3 reply and returns its raw bytes."""
    line = read_line(sock, timeout)
    kind = line[:1]
    if kind in (b"$", b"=", b"!"):
        n = int(line[1:-2])
        if n < 0:
            return line
        return line + read_exact(sock, n + 2, timeout)
    if kind in (b"*", b"~", b">"):
        n = int(line[1:-2])
        out = line
        for _ in range(max(n, 0)):
            out += read_reply(sock, timeout)
        return out
    if kind in (b"%", b"|"):
        n = int(line[1:-2])
        out = line
        for _ in range(2 * n):
            out += read_reply(sock, timeout)
        if kind == b"|":  # an attribute precedes the reply it annotates
            out += read_reply(sock, timeout)
        return out
    return line  # + - : _ , # (


class FerriteTestCase(unittest.TestCase):
    """One ferrite (2 event loops) for the whole class; every test starts from empty databases
    with a redis-py client in self.r. The server must exit cleanly (code 0) at the end."""

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
        self.r.flushall()

    def tearDown(self):
        self.r.close()
