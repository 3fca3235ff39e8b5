#include "telemetry/sdk/telemetry_runtime.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "base/build_info.h"
#include "base/log.h"
#include "telemetry/export/otlp_encoder.h"
#include "telemetry/export/transport.h"
#include "telemetry/sdk/diagnostics.h"
#include "telemetry/sdk/otlp_log_exporter.h"
#include "telemetry/sdk/span_builder.h"

namespace ferrite::telemetry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// gRPC servers default to a 4 MiB receive limit; leave room for the envelope and headers.
constexpr size_t kMaxRequestBytes = 3'500'000;

int64_t UnixOffsetNs() {
  timespec rt, mono;
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  return (int64_t{rt.tv_sec} - mono.tv_sec) * 1'000'000'000 + (rt.tv_nsec - mono.tv_nsec);
}

size_t NextPow2(size_t v) {
  size_t p = 2;
  while (p < v) p <<= 1;
  return p;
}

milliseconds OrForever(int64_t ms) { return milliseconds(ms > 0 ? ms : 365LL * 24 * 3600 * 1000); }

}  // namespace

struct TelemetryRuntime::Impl {
  TelemetryConfig cfg;
  Options opts;
  Encoding encoding = Encoding::kProtobuf;
  std::unique_ptr<Transport> transport;
  ResourceData resource;
  ScopeData scope;
  size_t ring_capacity = 2048;
  std::shared_ptr<OtlpLogExporter> logs;  // set when logs are exported

  // Producer buffers (RegisterThread adds under mu).
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  std::vector<std::shared_ptr<ThreadBuffer>> retired_for_stats;

  // Exporter thread state (only the exporter thread touches these). Spans are encoded as they
  // leave the rings, straight into batch buffers: each Batch holds at most batch_size spans and
  // stays below kMaxRequestBytes, so the front batch is one request. Buffers are recycled.
  struct Batch {
    std::string spans;  // TraceRequestEncoder::AppendSpan output
    size_t count = 0;
  };
  std::deque<Batch> queue;
  size_t queued_spans = 0;
  std::vector<std::string> spare_buffers;
  std::unique_ptr<TraceRequestEncoder> encoder;
  std::unique_ptr<SpanViewBuilder> builder = std::make_unique<SpanViewBuilder>();
  std::string request;  // the request being sent
  size_t dropped_this_pass = 0;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> hard_deadline_ns{INT64_MAX};  // steady clock; shutdown budget
  uint64_t flush_requested = 0;                      // guarded by mu
  uint64_t flush_done = 0;                           // guarded by mu
  bool shut_down = false;
  std::mt19937_64 jitter_rng{std::random_device{}()};

  // Counters.
  std::atomic<uint64_t> exported{0}, dropped{0}, failed{0}, requests{0}, retries{0};
  std::atomic<uint64_t> queue_len{0};
  std::atomic<uint64_t> ring_drops_seen{0};

  bool PastHardDeadline() const {
    return Clock::now().time_since_epoch().count() >= hard_deadline_ns.load();
  }
  milliseconds UntilHardDeadline() const {
    int64_t d = hard_deadline_ns.load();
    if (d == INT64_MAX) return milliseconds::max();
    int64_t left = d - Clock::now().time_since_epoch().count();
    return milliseconds(left > 0 ? left / 1'000'000 : 0);
  }

  std::vector<std::shared_ptr<ThreadBuffer>> Snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return buffers;
  }

  void Enqueue(const SpanView& s) {
    if (queued_spans >= static_cast<size_t>(cfg.max_queue_size)) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      ++dropped_this_pass;  // reported once per Drain: drops come in floods
      return;
    }
    if (queue.empty() || queue.back().count >= static_cast<size_t>(cfg.batch_size)) NewBatch();
    Batch* b = &queue.back();
    const size_t mark = b->spans.size();
    encoder->AppendSpan(s, &b->spans);
    if (b->spans.size() >= kMaxRequestBytes && b->count > 0) {
      // Too big with this span: it opens the next batch (rare: only huge spans get here).
      std::string_view last = std::string_view(b->spans).substr(mark);
      if (encoding == Encoding::kJson) last.remove_prefix(1);  // the separating comma
      std::string moved(last);
      b->spans.resize(mark);
      NewBatch();
      b = &queue.back();
      b->spans.append(moved);
    }
    ++b->count;
    ++queued_spans;
  }

  void NewBatch() {
    Batch b;
    if (!spare_buffers.empty()) {
      b.spans = std::move(spare_buffers.back());
      spare_buffers.pop_back();
    }
    queue.push_back(std::move(b));
  }

  // Moves every ring's records into the queue. Returns the number of records taken.
  size_t Drain() {
    size_t taken = 0;
    int64_t offset = UnixOffsetNs();
    uint64_t ring_drops = 0;
    bool any_retired = false;
    for (const auto& b : Snapshot()) {
      // Bound each pass so one busy thread cannot starve the export of a full batch. Records
      // are read in place and released once their spans are encoded.
      const CommandRecord* rec;
      for (size_t n = 0; n < 4096 && (rec = b->commands.Front()) != nullptr; ++n, ++taken) {
        for (const SpanView& s : builder->Command(*rec, cfg.semconv, offset)) Enqueue(s);
        b->commands.PopFront();
      }
      const SpanRecord* srec;
      for (size_t n = 0; n < 4096 && (srec = b->spans.Front()) != nullptr; ++n, ++taken) {
        Enqueue(builder->Background(*srec, offset));
        b->spans.PopFront();
      }
      ring_drops += b->dropped.load(std::memory_order_relaxed);
      any_retired |= b->retired.load(std::memory_order_acquire);
    }
    if (dropped_this_pass > 0) {
      ReportDiagnostic(DiagLevel::kWarn, "dropped",
                       "span queue full (max_queue_size " + std::to_string(cfg.max_queue_size) +
                           "); dropping spans");
      dropped_this_pass = 0;
    }
    if (any_retired) {
      std::lock_guard<std::mutex> lock(mu);
      std::erase_if(buffers, [&](const std::shared_ptr<ThreadBuffer>& b) {
        if (!b->retired.load(std::memory_order_acquire) || b->commands.SizeApprox() ||
            b->spans.SizeApprox())
          return false;
        retired_for_stats.push_back(b);  // keep its drop count
        return true;
      });
    }
    UpdateQueueLength();
    return taken;
  }

  void UpdateQueueLength() {
    uint64_t n = queued_spans;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& b : buffers) n += b->commands.SizeApprox() + b->spans.SizeApprox();
    queue_len.store(n, std::memory_order_relaxed);
  }

  // Sleeps `d` in poll-sized steps, draining the rings meanwhile; stops at the hard deadline.
  void WaitPumping(milliseconds d) {
    auto until = Clock::now() + d;
    while (Clock::now() < until && !PastHardDeadline()) {
      Drain();
      auto step = std::min<Clock::duration>(until - Clock::now(), opts.poll_interval);
      std::this_thread::sleep_for(std::max<Clock::duration>(step, Clock::duration::zero()));
    }
  }

  // Sends one request, retrying as OTLP prescribes. Returns true when the collector took it.
  bool SendWithRetry(const std::string& body, size_t span_count) {
    auto deadline = Clock::now() + OrForever(cfg.export_timeout_ms);
    milliseconds backoff = opts.retry.initial_backoff;
    for (int attempt = 1;; ++attempt) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      left = std::min(left, UntilHardDeadline());
      milliseconds timeout = std::min(OrForever(cfg.timeout_ms), left);
      if (timeout.count() <= 0) break;
      SendResult r = transport->Send(body, timeout);
      requests.fetch_add(1, std::memory_order_relaxed);
      if (r.kind == SendResult::Kind::kSuccess) {
        uint64_t rejected =
            std::min<uint64_t>(std::max<int64_t>(r.partial.rejected, 0), span_count);
        exported.fetch_add(span_count - rejected, std::memory_order_relaxed);
        failed.fetch_add(rejected, std::memory_order_relaxed);
        if (r.partial.present())
          ReportDiagnostic(
              DiagLevel::kWarn, "partial_success",
              "collector accepted the export partially: " + std::to_string(r.partial.rejected) +
                  " spans rejected: " + r.partial.error_message);
        return true;
      }
      if (r.kind == SendResult::Kind::kPermanent) {
        ReportDiagnostic(
            DiagLevel::kError, "export",
            r.error + " (not retryable; dropping " + std::to_string(span_count) + " spans)");
        break;
      }
      milliseconds delay;
      if (r.retry_after) {
        delay = *r.retry_after;
      } else {
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        delay = milliseconds(static_cast<int64_t>(backoff.count() * jitter(jitter_rng)));
        backoff =
            std::min(milliseconds(static_cast<int64_t>(backoff.count() * opts.retry.multiplier)),
                     opts.retry.max_backoff);
      }
      if (attempt >= opts.retry.max_attempts || Clock::now() + delay >= deadline ||
          UntilHardDeadline() <= delay) {
        ReportDiagnostic(DiagLevel::kError, "export",
                         r.error + " (giving up after " + std::to_string(attempt) +
                             " attempts; dropping " + std::to_string(span_count) + " spans)");
        break;
      }
      ReportDiagnostic(DiagLevel::kWarn, "export",
                       r.error + " (retrying in " + std::to_string(delay.count()) + " ms)");
      retries.fetch_add(1, std::memory_order_relaxed);
      WaitPumping(delay);
    }
    failed.fetch_add(span_count, std::memory_order_relaxed);
    return false;
  }

  // Exports the oldest batch (at most batch_size spans, below kMaxRequestBytes) as one request.
  void ExportBatch() {
    Batch batch = std::move(queue.front());
    queue.pop_front();
    queued_spans -= batch.count;
    encoder->Finish(batch.spans, &request);
    if (PastHardDeadline()) {
      dropped.fetch_add(batch.count, std::memory_order_relaxed);
    } else {
      SendWithRetry(request, batch.count);
    }
    batch.spans.clear();
    if (spare_buffers.size() < 4) spare_buffers.push_back(std::move(batch.spans));
    UpdateQueueLength();
  }

  void Run() {
    auto last_export = Clock::now();
    const milliseconds batch_timeout(cfg.batch_timeout_ms);
    while (true) {
      bool stop = stopping.load(std::memory_order_acquire);
      uint64_t flush_gen;
      {
        std::lock_guard<std::mutex> lock(mu);
        flush_gen = flush_requested;
      }
      Drain();
      bool flushing = flush_gen != flush_done || stop;
      if (!queue.empty() && (queued_spans >= static_cast<size_t>(cfg.batch_size) || flushing ||
                             Clock::now() - last_export >= batch_timeout)) {
        if (stop && PastHardDeadline()) {
          dropped.fetch_add(queued_spans, std::memory_order_relaxed);
          queue.clear();
          queued_spans = 0;
          break;
        }
        ExportBatch();
        last_export = Clock::now();
        continue;
      }
      if (queue.empty()) last_export = std::max(last_export, Clock::now() - batch_timeout / 2);
      if (flushing && queue.empty()) {
        std::lock_guard<std::mutex> lock(mu);
        flush_done = flush_gen;
        cv.notify_all();
      }
      if (stop) break;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, opts.poll_interval,
                  [&] { return stopping.load() || flush_requested != flush_done; });
    }
    UpdateQueueLength();
    std::lock_guard<std::mutex> lock(mu);
    flush_done = flush_requested;
    cv.notify_all();
  }
};

Result<std::unique_ptr<TelemetryRuntime>> TelemetryRuntime::Start(const TelemetryConfig& cfg) {
  return Start(cfg, Options{});
}

Result<std::unique_ptr<TelemetryRuntime>> TelemetryRuntime::Start(const TelemetryConfig& cfg,
                                                                  const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->opts = options;
  if (impl->opts.version.empty()) impl->opts.version = kVersion;
  if (impl->opts.poll_interval.count() <= 0) impl->opts.poll_interval = milliseconds(1);
  const std::string& version = impl->opts.version;
  impl->encoding = cfg.protocol == OtlpProtocol::kHttpJson ? Encoding::kJson : Encoding::kProtobuf;
  auto transport =
      MakeTransport(TransportOptions::From(cfg, kTracesSignal, cfg.traces_endpoint, version));
  if (!transport) return std::move(transport).error();
  impl->transport = std::move(*transport);
  impl->ring_capacity =
      NextPow2(options.ring_capacity
                   ? options.ring_capacity
                   : static_cast<size_t>(std::clamp<int64_t>(cfg.max_queue_size, 256, 4096)));

  // Resource: service identity, SDK identity, then the configured attributes.
  auto& ra = impl->resource.attributes;
  ra.push_back(KeyValue::Str("service.name", cfg.service_name));
  ra.push_back(KeyValue::Str("service.version",
                             cfg.service_version.empty() ? version : cfg.service_version));
  if (!cfg.service_namespace.empty())
    ra.push_back(KeyValue::Str("service.namespace", cfg.service_namespace));
  ra.push_back(KeyValue::Str("telemetry.sdk.name", semconv::kSdkName));
  ra.push_back(KeyValue::Str("telemetry.sdk.language", "cpp"));
  ra.push_back(KeyValue::Str("telemetry.sdk.version", version));
  for (const auto& [k, v] : cfg.resource_attributes) {
    auto it = std::find_if(ra.begin(), ra.end(), [&](const KeyValue& kv) { return kv.key == k; });
    if (it != ra.end())
      *it = KeyValue::Str(k, v);
    else
      ra.push_back(KeyValue::Str(k, v));
  }
  std::string_view schema =
      cfg.semconv == semconv::NameScheme::kOld ? semconv::kSchemaUrlOld : semconv::kSchemaUrlNew;
  impl->resource.schema_url = std::string(schema);
  impl->scope = ScopeData{std::string(semconv::kScopeName), version, std::string(schema)};
  impl->encoder =
      std::make_unique<TraceRequestEncoder>(impl->resource, impl->scope, impl->encoding);

  if (cfg.enabled && cfg.logs_enabled) {
    OtlpLogExporter::Options lo;
    lo.initial_backoff = options.retry.initial_backoff;
    lo.max_backoff = options.retry.max_backoff;
    lo.max_attempts = options.retry.max_attempts;
    auto logs = OtlpLogExporter::Create(cfg, impl->resource, impl->scope, version, lo);
    if (!logs) return std::move(logs).error();
    impl->logs = std::move(*logs);
    log::Global().AddSink(impl->logs);
  }

  std::unique_ptr<TelemetryRuntime> rt(new TelemetryRuntime(std::move(impl)));
  Impl* p = rt->impl_.get();
  p->thread = std::thread([p] { p->Run(); });

  SeedIdGenerator(std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32));
  SetRecordSink(rt.get());
  TraceSettings s;
  s.enabled = cfg.enabled && cfg.traces_enabled;
  s.sampler = EffectiveSampler(cfg);
  s.detail = cfg.span_detail;
  s.statement = cfg.statement;
  InstallTraceSettings(s);
  return rt;
}

TelemetryRuntime::TelemetryRuntime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TelemetryRuntime::~TelemetryRuntime() { Shutdown(); }

std::shared_ptr<ThreadBuffer> TelemetryRuntime::RegisterThread() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->shut_down) return nullptr;
  auto b = std::make_shared<ThreadBuffer>(impl_->ring_capacity, 256);
  impl_->buffers.push_back(b);
  return b;
}

bool TelemetryRuntime::ForceFlush(std::chrono::milliseconds timeout) {
  if (impl_->logs) {
    auto until = Clock::now() + timeout;
    log::Global().Flush();
    if (!impl_->logs->ForceFlush(timeout)) return false;
    timeout =
        std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(until - Clock::now()));
  }
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->shut_down) return true;
  uint64_t gen = ++impl_->flush_requested;
  impl_->cv.notify_all();
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->flush_done >= gen; });
}

void TelemetryRuntime::Shutdown(std::chrono::milliseconds budget) {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.shut_down) return;
    m.shut_down = true;
  }
  // Detach from the api first, so no new records arrive while the queue drains.
  TraceSettings off;
  InstallTraceSettings(off);
  SetRecordSink(nullptr);
  auto started = Clock::now();
  if (m.logs) {
    // Records already handed to the logger reach the exporter before it stops.
    log::Global().Flush();
    log::Global().RemoveSink(m.logs.get());
    m.logs->Shutdown(budget / 2);
  }
  m.hard_deadline_ns.store((started + budget).time_since_epoch().count());
  m.stopping.store(true, std::memory_order_release);
  m.cv.notify_all();
  if (m.thread.joinable()) m.thread.join();
  std::lock_guard<std::mutex> lock(m.mu);
  for (auto& b : m.buffers) {
    b->closed.store(true, std::memory_order_release);
    // Whatever is left in a ring now cannot be exported any more.
    m.dropped.fetch_add(b->commands.SizeApprox() + b->spans.SizeApprox());
  }
}

TelemetryStats TelemetryRuntime::Stats() const {
  Impl& m = *impl_;
  TelemetryStats s;
  uint64_t ring_drops = 0;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    for (const auto& b : m.buffers) ring_drops += b->dropped.load(std::memory_order_relaxed);
    for (const auto& b : m.retired_for_stats)
      ring_drops += b->dropped.load(std::memory_order_relaxed);
  }
  s.spans_exported = m.exported.load();
  s.records_dropped = ring_drops;
  s.spans_dropped = m.dropped.load() + ring_drops;
  s.spans_failed = m.failed.load();
  s.queue_length = m.queue_len.load();
  s.export_requests = m.requests.load();
  s.export_retries = m.retries.load();
  if (m.logs) {
    LogExportStats l = m.logs->Stats();
    s.logs_exported = l.exported;
    s.logs_dropped = l.dropped;
    s.logs_failed = l.failed;
  }
  return s;
}

std::vector<std::pair<std::string, std::string>> TelemetryRuntime::InfoFields() const {
  TelemetryStats s = Stats();
  const TelemetryConfig& c = impl_->cfg;
  Sampler sm = EffectiveSampler(c);
  std::string sampler(SamplerKindName(sm.kind));
  if (IsRatioSampler(sm.kind)) sampler += ":" + std::to_string(sm.ratio).substr(0, 6);
  return {
      {"otel_available", "1"},
      {"otel_enabled", c.enabled && c.traces_enabled ? "1" : "0"},
      {"otel_protocol", std::string(ProtocolName(c.protocol))},
      {"otel_endpoint", ResolveTracesEndpoint(c)},
      {"otel_sampler", sampler},
      {"otel_spans_exported", std::to_string(s.spans_exported)},
      {"otel_spans_dropped", std::to_string(s.spans_dropped)},
      {"otel_spans_failed", std::to_string(s.spans_failed)},
      {"otel_queue_length", std::to_string(s.queue_length)},
      {"otel_export_requests", std::to_string(s.export_requests)},
      {"otel_export_retries", std::to_string(s.export_retries)},
      {"otel_logs_enabled", impl_->logs ? "1" : "0"},
      {"otel_logs_exported", std::to_string(s.logs_exported)},
      {"otel_logs_dropped", std::to_string(s.logs_dropped)},
      {"otel_logs_failed", std::to_string(s.logs_failed)},
  };
}

std::vector<std::pair<std::string, std::string>> InactiveInfoFields() {
  return {{"otel_available", Available() ? "1" : "0"}, {"otel_enabled", "0"}};
}

}  // namespace ferrite::telemetry
