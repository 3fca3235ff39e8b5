#include "telemetry/sdk/otlp_log_exporter.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "telemetry/sdk/diagnostics.h"
#include "telemetry/sdk/span_builder.h"

namespace ferrite::telemetry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// gRPC servers default to a 4 MiB receive limit; leave room for the envelope and headers.
constexpr size_t kMaxRequestBytes = 3'500'000;
constexpr std::string_view kPipelineTarget = "opentelemetry";

uint64_t UnixNanosNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

milliseconds OrForever(int64_t ms) { return milliseconds(ms > 0 ? ms : 365LL * 24 * 3600 * 1000); }

bool IsPipelineTarget(std::string_view target) {
  return target == kPipelineTarget ||
         (target.size() > kPipelineTarget.size() + 2 && target.starts_with(kPipelineTarget) &&
          target.substr(kPipelineTarget.size(), 2) == "::");
}

}  // namespace

SeverityNumber SeverityFor(log::Level level) {
  switch (level) {
    case log::Level::kError:
      return SeverityNumber::kError;
    case log::Level::kWarn:
      return SeverityNumber::kWarn;
    case log::Level::kInfo:
      return SeverityNumber::kInfo;
    case log::Level::kDebug:
      return SeverityNumber::kDebug;
    case log::Level::kTrace:
      return SeverityNumber::kTrace;
    case log::Level::kOff:
      break;
  }
  return SeverityNumber::kUnspecified;
}

LogRecordData ToLogRecordData(const log::Record& record, uint64_t observed_unix_ns) {
  LogRecordData r;
  r.time_unix_nano = uint64_t(std::max<int64_t>(record.timestamp_us, 0)) * 1000;
  r.observed_time_unix_nano = observed_unix_ns;
  r.severity_number = SeverityFor(record.level);
  r.severity_text.assign(log::LevelName(record.level));
  r.body = EscapedUtf8(record.message);
  r.attributes.reserve(record.fields.size() + 1);
  for (const log::Field& f : record.fields) {
    std::string key = EscapedUtf8(f.key);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            r.attributes.push_back(KeyValue::Int(key, v));
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            if (v <= uint64_t(std::numeric_limits<int64_t>::max())) {
              r.attributes.push_back(KeyValue::Int(key, int64_t(v)));
            } else {
              r.attributes.push_back(KeyValue::Str(key, std::to_string(v)));
            }
          } else if constexpr (std::is_same_v<T, double>) {
            r.attributes.push_back(KeyValue::Double(key, v));
          } else if constexpr (std::is_same_v<T, bool>) {
            r.attributes.push_back(KeyValue::Bool(key, v));
          } else {
            r.attributes.push_back(KeyValue::Str(key, EscapedUtf8(v)));
          }
        },
        f.value);
  }
  r.attributes.push_back(KeyValue::Str("code.namespace", EscapedUtf8(record.target)));
  if (record.trace.valid()) {
    std::copy(std::begin(record.trace.trace_id), std::end(record.trace.trace_id),
              r.trace_id.bytes.begin());
    std::copy(std::begin(record.trace.span_id), std::end(record.trace.span_id),
              r.span_id.bytes.begin());
    r.flags = record.trace.flags;
  }
  return r;
}

struct OtlpLogExporter::Impl {
  TelemetryConfig cfg;  // LogsExportConfig(): batch_* / max_queue_size / timeouts are the logs'
  ResourceData resource;
  ScopeData scope;
  Options opts;
  std::unique_ptr<Transport> transport;
  Encoding encoding = Encoding::kProtobuf;

  std::mutex mu;
  std::condition_variable cv;       // wakes the exporter thread
  std::condition_variable done_cv;  // wakes ForceFlush
  std::deque<std::string> queue;    // encoded records; guarded by mu
  uint64_t flush_requested = 0;     // guarded by mu
  uint64_t flush_done = 0;          // guarded by mu
  bool stopping = false;            // guarded by mu
  bool shut_down = false;           // guarded by mu
  std::atomic<int64_t> hard_deadline_ns{INT64_MAX};
  std::thread thread;
  std::mt19937_64 jitter_rng{std::random_device{}()};

  std::atomic<uint64_t> exported{0}, dropped{0}, failed{0}, requests{0}, queue_len{0};

  bool PastHardDeadline() const {
    return Clock::now().time_since_epoch().count() >= hard_deadline_ns.load();
  }
  milliseconds UntilHardDeadline() const {
    int64_t d = hard_deadline_ns.load();
    if (d == INT64_MAX) return milliseconds::max();
    int64_t left = d - Clock::now().time_since_epoch().count();
    return milliseconds(left > 0 ? left / 1'000'000 : 0);
  }

  void Enqueue(std::string encoded) {
    std::unique_lock<std::mutex> lock(mu);
    if (stopping || queue.size() >= static_cast<size_t>(cfg.max_queue_size)) {
      lock.unlock();
      dropped.fetch_add(1, std::memory_order_relaxed);
      ReportDiagnostic(DiagLevel::kWarn, "logs_dropped",
                       "log record queue full (logs_max_queue_size " +
                           std::to_string(cfg.max_queue_size) + "); dropping log records");
      return;
    }
    queue.push_back(std::move(encoded));
    queue_len.store(queue.size(), std::memory_order_relaxed);
    if (queue.size() >= static_cast<size_t>(cfg.batch_size)) cv.notify_one();
  }

  // One request with OTLP retries. Returns true when the collector took it.
  bool SendWithRetry(const std::string& body, size_t count) {
    auto deadline = Clock::now() + OrForever(cfg.export_timeout_ms);
    milliseconds backoff = opts.initial_backoff;
    for (int attempt = 1;; ++attempt) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      left = std::min(left, UntilHardDeadline());
      milliseconds timeout = std::min(OrForever(cfg.timeout_ms), left);
      if (timeout.count() <= 0) break;
      SendResult r = transport->Send(body, timeout);
      requests.fetch_add(1, std::memory_order_relaxed);
      if (r.kind == SendResult::Kind::kSuccess) {
        uint64_t rejected = std::min<uint64_t>(std::max<int64_t>(r.partial.rejected, 0), count);
        exported.fetch_add(count - rejected, std::memory_order_relaxed);
        failed.fetch_add(rejected, std::memory_order_relaxed);
        if (r.partial.present())
          ReportDiagnostic(DiagLevel::kWarn, "logs_partial_success",
                           "collector accepted the logs export partially: " +
                               std::to_string(r.partial.rejected) +
                               " log records rejected: " + r.partial.error_message);
        return true;
      }
      if (r.kind == SendResult::Kind::kPermanent) {
        ReportDiagnostic(DiagLevel::kError, "logs_export",
                         "logs export: " + r.error + " (not retryable; dropping " +
                             std::to_string(count) + " log records)");
        break;
      }
      milliseconds delay;
      if (r.retry_after) {
        delay = *r.retry_after;
      } else {
        std::uniform_real_distribution<double> jitter(0.5, 1.5);
        delay = milliseconds(static_cast<int64_t>(backoff.count() * jitter(jitter_rng)));
        backoff = std::min(backoff * 2, opts.max_backoff);
      }
      if (attempt >= opts.max_attempts || Clock::now() + delay >= deadline ||
          UntilHardDeadline() <= delay) {
        ReportDiagnostic(DiagLevel::kError, "logs_export",
                         "logs export: " + r.error + " (giving up after " +
                             std::to_string(attempt) + " attempts; dropping " +
                             std::to_string(count) + " log records)");
        break;
      }
      ReportDiagnostic(
          DiagLevel::kWarn, "logs_export",
          "logs export: " + r.error + " (retrying in " + std::to_string(delay.count()) + " ms)");
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::min(delay, UntilHardDeadline()), [&] { return PastHardDeadline(); });
    }
    failed.fetch_add(count, std::memory_order_relaxed);
    return false;
  }

  // Sends `batch` in requests below kMaxRequestBytes.
  void Export(std::vector<std::string>& batch) {
    size_t begin = 0;
    while (begin < batch.size()) {
      size_t bytes = 0, end = begin;
      while (end < batch.size() &&
             (end == begin || bytes + batch[end].size() + 16 < kMaxRequestBytes))
        bytes += batch[end++].size() + 16;
      std::span<const std::string> part(batch.data() + begin, end - begin);
      if (PastHardDeadline()) {
        dropped.fetch_add(part.size(), std::memory_order_relaxed);
      } else {
        SendWithRetry(EncodeLogsRequest(resource, scope, part, encoding), part.size());
      }
      begin = end;
    }
  }

  void Run() {
    const milliseconds delay(std::max<int64_t>(cfg.batch_timeout_ms, 1));
    const size_t batch_size = static_cast<size_t>(std::max<int64_t>(cfg.batch_size, 1));
    auto last_export = Clock::now();
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      cv.wait_until(lock, last_export + delay, [&] {
        return stopping || queue.size() >= batch_size || flush_requested != flush_done;
      });
      const uint64_t flush_gen = flush_requested;
      const bool flushing = flush_gen != flush_done || stopping;
      if (!queue.empty() &&
          (queue.size() >= batch_size || flushing || Clock::now() - last_export >= delay)) {
        if (stopping && PastHardDeadline()) {
          dropped.fetch_add(queue.size(), std::memory_order_relaxed);
          queue.clear();
          queue_len.store(0, std::memory_order_relaxed);
          break;
        }
        size_t n = std::min(queue.size(), batch_size);
        std::vector<std::string> batch;
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        queue_len.store(queue.size(), std::memory_order_relaxed);
        lock.unlock();
        Export(batch);
        lock.lock();
        last_export = Clock::now();
        continue;
      }
      if (queue.empty()) {
        last_export = Clock::now();
        if (flushing) {
          flush_done = flush_gen;
          done_cv.notify_all();
        }
        if (stopping) break;
      }
    }
    flush_done = flush_requested;
    done_cv.notify_all();
  }
};

Result<std::shared_ptr<OtlpLogExporter>> OtlpLogExporter::Create(const TelemetryConfig& cfg,
                                                                 const ResourceData& resource,
                                                                 const ScopeData& scope,
                                                                 std::string_view version,
                                                                 const Options& options) {
  TelemetryConfig logs = LogsExportConfig(cfg);
  auto transport =
      MakeTransport(TransportOptions::From(logs, kLogsSignal, logs.logs_endpoint, version));
  if (!transport) return std::move(transport).error();
  return std::make_shared<OtlpLogExporter>(cfg, resource, scope, std::move(*transport), options);
}

OtlpLogExporter::OtlpLogExporter(const TelemetryConfig& cfg, const ResourceData& resource,
                                 const ScopeData& scope, std::unique_ptr<Transport> transport,
                                 const Options& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->cfg = LogsExportConfig(cfg);
  impl_->resource = resource;
  impl_->scope = scope;
  impl_->opts = options;
  impl_->encoding = transport->encoding();
  impl_->transport = std::move(transport);
  Impl* p = impl_.get();
  p->thread = std::thread([p] { p->Run(); });
}

OtlpLogExporter::~OtlpLogExporter() { Shutdown(std::chrono::seconds(5)); }

void OtlpLogExporter::Write(const log::Record& record) {
  if (IsPipelineTarget(record.target)) return;
  impl_->Enqueue(EncodeLogRecord(ToLogRecordData(record, UnixNanosNow()), impl_->encoding));
}

bool OtlpLogExporter::ForceFlush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->shut_down) return true;
  uint64_t gen = ++impl_->flush_requested;
  impl_->cv.notify_all();
  return impl_->done_cv.wait_for(lock, timeout, [&] { return impl_->flush_done >= gen; });
}

void OtlpLogExporter::Shutdown(std::chrono::milliseconds budget) {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.shut_down) return;
    m.shut_down = true;
    m.stopping = true;
    m.hard_deadline_ns.store((Clock::now() + budget).time_since_epoch().count());
    m.cv.notify_all();
  }
  if (m.thread.joinable()) m.thread.join();
}

LogExportStats OtlpLogExporter::Stats() const {
  LogExportStats s;
  s.exported = impl_->exported.load(std::memory_order_relaxed);
  s.dropped = impl_->dropped.load(std::memory_order_relaxed);
  s.failed = impl_->failed.load(std::memory_order_relaxed);
  s.queue_length = impl_->queue_len.load(std::memory_order_relaxed);
  s.export_requests = impl_->requests.load(std::memory_order_relaxed);
  return s;
}

}  // namespace ferrite::telemetry
