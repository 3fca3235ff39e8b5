'use strict';
// @ferrite/otel-redis: puts the current OpenTelemetry context on Ferrite commands, so Ferrite's
// server spans join the caller's trace.
//
// RESP has no headers, so before each command the helper pipelines
//   CLIENT TRACEPARENT <traceparent> [<tracestate>]
// on the same connection. It is written in the same tick as the command (no extra round trip);
// Ferrite applies it to the next command only and answers +OK, which the helper discards.
//
//   const { instrumentIoredis, instrumentNodeRedis } = require('@ferrite/otel-redis');
//   instrumentIoredis(require('ioredis'));            // every ioredis client
//   instrumentIoredis(require('ioredis'), { instrumentation: ioredisInstrumentation });
//   const client = instrumentNodeRedis(createClient());  // one node-redis client
//
// With @opentelemetry/instrumentation-ioredis, pass its instance: the helper then uses the
// instrumentation's own CLIENT span (through its requestHook) as the parent, so Ferrite's
// `ferrite.command` becomes a child of the ioredis span. Without it, the active span is the
// parent. Commands inside MULTI or a pipeline are not prefixed (a CLIENT command would be
// queued inside the transaction). When there is no valid active span, nothing is sent.
// Against a server that rejects CLIENT TRACEPARENT (stock Redis), the helper stops sending it
// on that connection after the first error.

const api = require('@opentelemetry/api');

const kDisabled = Symbol('ferrite.traceparent.disabled');

// W3C traceparent (and tracestate) of a span context, or null when it is not valid.
function traceparentOf(spanContext) {
  if (!spanContext || !api.isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    tracestate: spanContext.traceState ? spanContext.traceState.serialize() : '',
  };
}

// The traceparent of the active context (or of `ctx`), or null.
function currentTraceparent(ctx = api.context.active()) {
  return traceparentOf(api.trace.getSpanContext(ctx));
}

function clientTraceparentArgs(tp) {
  const args = ['TRACEPARENT', tp.traceparent];
  if (tp.tracestate) args.push(tp.tracestate);
  return args;
}

function isTraceparentCommand(name, args) {
  return String(name).toLowerCase() === 'client' && args && args.length > 0 &&
    String(args[0]).toLowerCase() === 'traceparent';
}

// ---- ioredis -------------------------------------------------------------------------------

function instrumentIoredis(Redis, options = {}) {
  const proto = Redis.prototype;
  if (proto.__ferriteTraceparent) return Redis;
  const Command = Redis.Command;
  const wrapped = proto.sendCommand;
  // The raw sendCommand, below any OpenTelemetry wrapper (shimmer keeps it as __original), so
  // the CLIENT TRACEPARENT command gets no client span of its own.
  const raw = wrapped.__original || wrapped;
  let pendingClient = null;  // set synchronously around the instrumented call

  const send = (client, tp) => {
    if (!tp || client[kDisabled]) return;
    const cmd = new Command('client', clientTraceparentArgs(tp), { replyEncoding: 'utf8' });
    cmd.promise.catch(() => { client[kDisabled] = true; });
    raw.call(client, cmd);
  };

  const instrumentation = options.instrumentation;
  if (instrumentation) {
    // The ioredis instrumentation creates its CLIENT span, calls requestHook, then writes the
    // command: inject from the hook, with the span's own context.
    const config = instrumentation.getConfig();
    const userHook = config.requestHook;
    instrumentation.setConfig({
      ...config,
      requestHook(span, info) {
        if (pendingClient && !isTraceparentCommand(info.cmdName, info.cmdArgs)) {
          send(pendingClient, traceparentOf(span.spanContext()));
          pendingClient.__ferriteInjected = true;
        }
        if (userHook) userHook(span, info);
      },
    });
  }

  proto.sendCommand = function sendCommand(cmd, stream) {
    if (!cmd || typeof cmd !== 'object' || cmd.inTransaction || cmd.pipelineIndex != null ||
        isTraceparentCommand(cmd.name, cmd.args) || this[kDisabled]) {
      return wrapped.apply(this, arguments);
    }
    if (instrumentation) {
      pendingClient = this;
      this.__ferriteInjected = false;
      try {
        const out = wrapped.apply(this, arguments);
        return out;
      } finally {
        pendingClient = null;
      }
    }
    send(this, currentTraceparent());
    return wrapped.apply(this, arguments);
  };
  proto.sendCommand.__original = raw;
  proto.__ferriteTraceparent = true;
  return Redis;
}

// ---- node-redis (v4+) ------------------------------------------------------------------------

function instrumentNodeRedis(client) {
  // node-redis hands out proxies of one underlying client (`_self`); commands run on it.
  const target = client._self || client;
  if (target.__ferriteTraceparent) return client;
  const original = target.sendCommand;
  target.sendCommand = function sendCommand(args, options) {
    if (!target[kDisabled] && Array.isArray(args) && !isTraceparentCommand(args[0], args.slice(1))) {
      const tp = currentTraceparent();
      if (tp) {
        original.call(this, ['CLIENT', ...clientTraceparentArgs(tp)], options)
          .catch(() => { target[kDisabled] = true; });
      }
    }
    return original.call(this, args, options);
  };
  target.__ferriteTraceparent = true;
  return client;
}

module.exports = { instrumentIoredis, instrumentNodeRedis, currentTraceparent, traceparentOf };
