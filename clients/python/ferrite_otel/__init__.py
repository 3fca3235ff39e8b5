"""Trace-context propagation from redis-py to Ferrite.

RESP has no headers, so before each command this helper pipelines
``CLIENT TRACEPARENT <traceparent> [<tracestate>]`` on the same connection, in the same write
as the command (no extra round trip). Ferrite applies it to the next command only, which makes
Ferrite's ``ferrite.command`` span a child of the caller's span; the ``+OK`` it answers is read
and discarded here.

Where the context comes from, in order:
  1. an explicit value: ``with ferrite_otel.use_traceparent("00-...-01"):`` (no OpenTelemetry
     needed);
  2. the current span of the OpenTelemetry API (``opentelemetry-api``), when it is installed.
With neither, nothing is sent.

Usage::

    import redis, ferrite_otel
    client = ferrite_otel.instrument(redis.Redis(host="localhost", port=6379))
    # or: redis.Redis(connection_class=ferrite_otel.TraceparentConnection, ...)

Commands sent through pipelines and MULTI are not prefixed. Against a server that rejects
CLIENT TRACEPARENT (stock Redis), a connection stops sending it after the first error.
"""

import contextlib
import contextvars
import re

import redis
from redis.connection import Connection

try:  # optional dependency
    from opentelemetry import trace as _otel_trace
except ImportError:  # pragma: no cover - exercised when opentelemetry-api is absent
    _otel_trace = None

__all__ = [
    "TraceparentConnection",
    "current_traceparent",
    "instrument",
    "use_traceparent",
]

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_explicit = contextvars.ContextVar("ferrite_traceparent", default=None)


@contextlib.contextmanager
def use_traceparent(traceparent, tracestate=None):
    """Uses this W3C traceparent (and tracestate) for commands sent inside the block."""
    if not _TRACEPARENT.match(traceparent or ""):
        raise ValueError("not a W3C traceparent: %r" % (traceparent,))
    token = _explicit.set((traceparent, tracestate or ""))
    try:
        yield
    finally:
        _explicit.reset(token)


def current_traceparent():
    """(traceparent, tracestate) to send, or None."""
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    if _otel_trace is None:
        return None
    ctx = _otel_trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    tp = "00-%032x-%016x-%02x" % (ctx.trace_id, ctx.span_id, int(ctx.trace_flags) & 0xFF)
    ts = ctx.trace_state.to_header() if ctx.trace_state else ""
    return tp, ts


def _is_traceparent_command(args):
    return (
        len(args) >= 2
        and str(args[0]).upper() == "CLIENT"
        and str(args[1]).upper() == "TRACEPARENT"
    )


class TraceparentConnection(Connection):
    """A redis-py Connection that prefixes commands with CLIENT TRACEPARENT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ferrite_pending = 0
        self._ferrite_disabled = False

    def on_connect(self):
        self._ferrite_pending = 0
        super().on_connect()

    def send_command(self, *args, **kwargs):
        tp = None if self._ferrite_disabled or _is_traceparent_command(args) else current_traceparent()
        if tp is None:
            return super().send_command(*args, **kwargs)
        prefix = ["CLIENT", "TRACEPARENT", tp[0]] + ([tp[1]] if tp[1] else [])
        packed = self.pack_commands([prefix, list(args)])
        self.send_packed_command(packed, check_health=kwargs.get("check_health", True))
        self._ferrite_pending += 1
        return None

    def read_response(self, *args, **kwargs):
        while self._ferrite_pending:
            self._ferrite_pending -= 1
            try:
                super().read_response(*args, **kwargs)
            except redis.ResponseError:
                self._ferrite_disabled = True
        return super().read_response(*args, **kwargs)


def instrument(client):
    """Makes every connection of a redis.Redis client propagate trace context."""
    pool = client.connection_pool
    if getattr(pool, "connection_class", None) is Connection:
        pool.connection_class = TraceparentConnection
        pool.disconnect()
    return client
