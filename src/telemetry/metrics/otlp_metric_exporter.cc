#include "telemetry/metrics/otlp_metric_exporter.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "telemetry/api/semconv.h"
#include "telemetry/sdk/diagnostics.h"

namespace ferrite::telemetry::metrics {

namespace {

using Clock = std::chrono::steady_clock;

std::optional<int64_t> ParseMs(const char* v) {
  if (v == nullptr || *v == '\0') return std::nullopt;
  std::string_view s(v);
  int64_t out = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || out < 0) return std::nullopt;
  return out;
}

}  // namespace

struct OtlpMetricExporter::Impl {
  Options options;
  std::unique_ptr<Transport> transport;
  const Collector* collector;
  OtlpMetricsEncoder encoder;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stop = false;             // GUARDED_BY(mu)
  uint64_t flush_requested = 0;  // GUARDED_BY(mu)
  uint64_t flush_done = 0;       // GUARDED_BY(mu)
  bool last_flush_ok = false;    // GUARDED_BY(mu)
  Stats stats;                   // GUARDED_BY(mu)
  std::thread thread;
  bool shut_down = false;

  Impl(Options o, std::unique_ptr<Transport> t, const Collector* c)
      : options(std::move(o)), transport(std::move(t)), collector(c), encoder(options.encoder) {}

  // One export with retries, bounded by options.timeout (or `budget` if shorter).
  bool ExportOnce(std::chrono::milliseconds budget) {
    const auto deadline = Clock::now() + std::min(budget, options.timeout);
    std::string body = encoder.Encode(collector->Collect(), transport->encoding());
    std::chrono::milliseconds backoff = options.initial_backoff;
    bool last_attempt = false;
    std::minstd_rand jitter(static_cast<uint32_t>(Clock::now().time_since_epoch().count()));
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      SendResult r = transport->Send(body, left);
      if (r.kind == SendResult::Kind::kSuccess) {
        std::lock_guard lock(mu);
        ++stats.exports;
        if (r.partial.present()) {
          stats.rejected_points += static_cast<uint64_t>(std::max<int64_t>(r.partial.rejected, 0));
          ReportDiagnostic(DiagLevel::kWarn, "partial_success",
                           "metrics export partially rejected: " + r.partial.error_message);
        }
        return true;
      }
      if (r.kind == SendResult::Kind::kPermanent) {
        ReportDiagnostic(DiagLevel::kError, "export", "metrics export failed: " + r.error);
        break;
      }
      // Retryable: wait the server's delay or a jittered backoff, unless stopping sooner.
      std::chrono::milliseconds wait =
          r.retry_after ? *r.retry_after
                        : std::chrono::milliseconds(
                              std::uniform_int_distribution<int64_t>(0, backoff.count())(jitter));
      backoff = std::min(options.max_backoff, backoff * 2);
      if (last_attempt || Clock::now() + wait >= deadline) {
        ReportDiagnostic(DiagLevel::kWarn, "export",
                         "metrics export failed, retries exhausted: " + r.error);
        break;
      }
      {
        std::unique_lock lock(mu);
        ++stats.retries;
        // Stopping cuts the wait short: one more attempt, then give up.
        if (cv.wait_for(lock, wait, [&] { return stop; })) last_attempt = true;
      }
    }
    std::lock_guard lock(mu);
    ++stats.failures;
    return false;
  }

  void Run() {
    auto next = Clock::now() + options.interval;
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait_until(lock, next, [&] { return stop || flush_requested > flush_done; });
      if (stop) return;
      const uint64_t flush_target = flush_requested;
      const bool forced = flush_requested > flush_done;
      if (!forced && Clock::now() < next) continue;
      lock.unlock();
      bool ok = ExportOnce(options.timeout);
      lock.lock();
      if (forced) {
        flush_done = flush_target;
        last_flush_ok = ok;
        cv.notify_all();
      }
      next = Clock::now() + options.interval;
    }
  }
};

OtlpMetricExporter::Options OtlpMetricExporter::OptionsFrom(
    const TelemetryConfig& cfg, std::string_view version,
    const std::function<const char*(const char*)>& getenv, std::vector<std::string>* warnings) {
  Options o;
  o.interval = std::chrono::milliseconds(std::max<int64_t>(1, cfg.metrics_export_interval) * 1000);
  o.timeout = std::chrono::milliseconds(cfg.export_timeout_ms);
  auto warn = [&](std::string w) {
    if (warnings) warnings->push_back(std::move(w));
  };
  if (const char* v = getenv("OTEL_METRIC_EXPORT_INTERVAL"); v && *v) {
    if (auto ms = ParseMs(v); ms && *ms > 0) {
      o.interval = std::chrono::milliseconds(*ms);
    } else {
      warn(std::string("ignoring OTEL_METRIC_EXPORT_INTERVAL=") + v + ": not a positive integer");
    }
  }
  if (const char* v = getenv("OTEL_METRIC_EXPORT_TIMEOUT"); v && *v) {
    if (auto ms = ParseMs(v)) {
      o.timeout = std::chrono::milliseconds(*ms);
    } else {
      warn(std::string("ignoring OTEL_METRIC_EXPORT_TIMEOUT=") + v + ": not an integer");
    }
  }
  if (o.timeout.count() == 0) o.timeout = std::chrono::hours(24);  // 0 = no limit
  if (const char* v = getenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"); v && *v) {
    if (auto t = ParseTemporalityPreference(v)) {
      o.encoder.temporality = *t;
    } else {
      warn(std::string("ignoring OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=") + v);
    }
  }
  if (const char* v = getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"); v && *v) o.endpoint = v;
  o.encoder.scheme = cfg.semconv;

  auto& ra = o.encoder.resource.attributes;
  ra.push_back(KeyValue::Str("service.name", cfg.service_name));
  ra.push_back(KeyValue::Str("service.version",
                             cfg.service_version.empty() ? version : cfg.service_version));
  if (!cfg.service_namespace.empty()) {
    ra.push_back(KeyValue::Str("service.namespace", cfg.service_namespace));
  }
  ra.push_back(KeyValue::Str("telemetry.sdk.name", semconv::kSdkName));
  ra.push_back(KeyValue::Str("telemetry.sdk.language", "cpp"));
  ra.push_back(KeyValue::Str("telemetry.sdk.version", version));
  for (const auto& [k, v] : cfg.resource_attributes) {
    auto it = std::find_if(ra.begin(), ra.end(), [&](const KeyValue& kv) { return kv.key == k; });
    if (it != ra.end()) {
      *it = KeyValue::Str(k, v);
    } else {
      ra.push_back(KeyValue::Str(k, v));
    }
  }
  o.encoder.scope = ScopeData{std::string(semconv::kScopeName), std::string(version), ""};
  return o;
}

Result<std::unique_ptr<OtlpMetricExporter>> OtlpMetricExporter::Start(const TelemetryConfig& cfg,
                                                                      std::string_view version,
                                                                      const Options& options,
                                                                      const Collector* collector) {
  auto transport =
      MakeTransport(TransportOptions::From(cfg, kMetricsSignal, options.endpoint, version));
  if (!transport) return std::move(transport).error();
  return Start(options, std::move(*transport), collector);
}

std::unique_ptr<OtlpMetricExporter> OtlpMetricExporter::Start(const Options& options,
                                                              std::unique_ptr<Transport> transport,
                                                              const Collector* collector) {
  auto impl = std::make_unique<Impl>(options, std::move(transport), collector);
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] {
    pthread_setname_np(pthread_self(), "ferrite-mexport");
    raw->Run();
  });
  return std::unique_ptr<OtlpMetricExporter>(new OtlpMetricExporter(std::move(impl)));
}

OtlpMetricExporter::OtlpMetricExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OtlpMetricExporter::~OtlpMetricExporter() { Shutdown(std::chrono::milliseconds(0)); }

bool OtlpMetricExporter::ForceFlush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  if (impl_->stop) return false;
  const uint64_t ticket = ++impl_->flush_requested;
  impl_->cv.notify_all();
  bool done = impl_->cv.wait_for(lock, timeout, [&] { return impl_->flush_done >= ticket; });
  return done && impl_->last_flush_ok;
}

void OtlpMetricExporter::Shutdown(std::chrono::milliseconds budget) {
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  if (budget.count() > 0) impl_->ExportOnce(budget);  // the final collection
}

OtlpMetricExporter::Stats OtlpMetricExporter::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace ferrite::telemetry::metrics
