"""The seed's Python example, adapted: redis-py with ferrite_otel (clients/python).

With opentelemetry-sdk installed the app's span is exported and Ferrite's spans join it;
without it, an explicit traceparent shows the same propagation.
"""

import os
import secrets

import redis

import ferrite_otel

client = ferrite_otel.instrument(
    redis.Redis(host=os.environ.get("FERRITE_HOST", "127.0.0.1"),
                port=int(os.environ.get("FERRITE_PORT", "6379")))
)


def handle_request():
    client.set("user:123:session", "session-data-here", ex=3600)
    session = client.get("user:123:session")
    client.hset("user:123:profile", mapping={"name": "Alice", "email": "alice@example.com"})
    return session


try:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("my-application")
    with tracer.start_as_current_span("handle-user-request") as span:
        span.set_attribute("user.id", "user-123")
        handle_request()
        print("trace id %032x" % span.get_span_context().trace_id)
    provider.shutdown()
except ImportError:
    trace_id = secrets.token_hex(16)
    with ferrite_otel.use_traceparent("00-%s-%s-01" % (trace_id, secrets.token_hex(8))):
        handle_request()
    print("trace id", trace_id, "(explicit traceparent; install opentelemetry-sdk for app spans)")
