#include "telemetry/metrics/otlp_metric_exporter.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace ferrite::telemetry::metrics {
namespace {

class FakeTransport : public Transport {
 public:
  struct Shared {
    std::mutex mu;
    std::deque<SendResult::Kind> script;  // results to return, then success
    std::vector<std::string> bodies;
  };
  FakeTransport(std::shared_ptr<Shared> s, Encoding enc) : s_(std::move(s)) { encoding_ = enc; }
  SendResult Send(std::string_view body, std::chrono::milliseconds) override {
    std::lock_guard lock(s_->mu);
    s_->bodies.emplace_back(body);
    SendResult r;
    r.kind = SendResult::Kind::kSuccess;
    if (!s_->script.empty()) {
      r.kind = s_->script.front();
      s_->script.pop_front();
      r.error = "scripted";
    }
    return r;
  }

 private:
  std::shared_ptr<Shared> s_;
};

class ExporterTest : public ::testing::Test {
 protected:
  ExporterTest() : collector_({"GET"}) {
    collector_.AddSource([](MetricsSnapshot& s) { s.AddInt(MetricId::kCommands, "GET", 5); });
    opts_.interval = std::chrono::hours(1);  // only explicit flushes unless a test says otherwise
    opts_.timeout = std::chrono::seconds(30);
    opts_.initial_backoff = std::chrono::milliseconds(1);
    opts_.max_backoff = std::chrono::milliseconds(2);
  }
  std::unique_ptr<OtlpMetricExporter> Start(Encoding enc = Encoding::kProtobuf) {
    return OtlpMetricExporter::Start(opts_, std::make_unique<FakeTransport>(shared_, enc),
                                     &collector_);
  }
  size_t Bodies() {
    std::lock_guard lock(shared_->mu);
    return shared_->bodies.size();
  }
  std::string Body(size_t i) {
    std::lock_guard lock(shared_->mu);
    return shared_->bodies.at(i);
  }

  Collector collector_;
  OtlpMetricExporter::Options opts_;
  std::shared_ptr<FakeTransport::Shared> shared_ = std::make_shared<FakeTransport::Shared>();
};

TEST_F(ExporterTest, ForceFlushExportsTheRegistry) {
  auto ex = Start();
  ASSERT_TRUE(ex->ForceFlush(std::chrono::seconds(30)));
  ASSERT_EQ(Bodies(), 1u);
  OtlpMetricsEncoder enc(opts_.encoder);
  MetricsSnapshot snap = collector_.Collect();
  // Same metrics, same order: only the collection time differs, so compare sizes and names.
  EXPECT_EQ(Body(0).size(), enc.Encode(snap).size());
  EXPECT_NE(Body(0).find("ferrite.commands.total"), std::string::npos);
  EXPECT_EQ(ex->stats().exports, 1u);
}

TEST_F(ExporterTest, RetryableFailuresAreRetried) {
  shared_->script = {SendResult::Kind::kRetryable, SendResult::Kind::kRetryable};
  auto ex = Start();
  ASSERT_TRUE(ex->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(Bodies(), 3u);
  EXPECT_EQ(Body(0), Body(2));  // the same request is resent
  auto st = ex->stats();
  EXPECT_EQ(st.retries, 2u);
  EXPECT_EQ(st.exports, 1u);
  EXPECT_EQ(st.failures, 0u);
}

TEST_F(ExporterTest, PermanentFailureIsNotRetried) {
  shared_->script = {SendResult::Kind::kPermanent};
  auto ex = Start();
  EXPECT_FALSE(ex->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(Bodies(), 1u);
  EXPECT_EQ(ex->stats().failures, 1u);
  EXPECT_TRUE(ex->ForceFlush(std::chrono::seconds(30)));  // the next export works again
}

TEST_F(ExporterTest, ExportsEveryInterval) {
  opts_.interval = std::chrono::milliseconds(10);
  auto ex = Start();
  for (int i = 0; i < 3000 && Bodies() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(Bodies(), 3u);
}

TEST_F(ExporterTest, ShutdownExportsOnceMoreAndStops) {
  auto ex = Start();
  ex->Shutdown(std::chrono::seconds(5));
  EXPECT_EQ(Bodies(), 1u);
  ex->Shutdown(std::chrono::seconds(5));  // idempotent
  EXPECT_EQ(Bodies(), 1u);
  EXPECT_FALSE(ex->ForceFlush(std::chrono::milliseconds(10)));
}

TEST_F(ExporterTest, JsonTransportsGetJson) {
  auto ex = Start(Encoding::kJson);
  ASSERT_TRUE(ex->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(Body(0).rfind("{\"resourceMetrics\":[", 0), 0u);
}

TEST(ExporterOptionsTest, ConfigAndEnvironment) {
  TelemetryConfig cfg;
  cfg.metrics_export_interval = 15;
  cfg.service_name = "svc";
  cfg.resource_attributes = {{"deployment.environment", "prod"}};
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto o = OtlpMetricExporter::OptionsFrom(cfg, "1.2.3", getenv);
  EXPECT_EQ(o.interval, std::chrono::seconds(15));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(cfg.export_timeout_ms));
  EXPECT_EQ(o.encoder.temporality, Temporality::kCumulative);
  EXPECT_EQ(o.encoder.resource.attributes[0].value.s, "svc");
  EXPECT_EQ(o.encoder.resource.attributes.back().key, "deployment.environment");

  env = {{"OTEL_METRIC_EXPORT_INTERVAL", "2500"},
         {"OTEL_METRIC_EXPORT_TIMEOUT", "700"},
         {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"},
         {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://collector:4318/v1/metrics"}};
  o = OtlpMetricExporter::OptionsFrom(cfg, "1.2.3", getenv);
  EXPECT_EQ(o.interval, std::chrono::milliseconds(2500));
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(o.encoder.temporality, Temporality::kDelta);
  EXPECT_EQ(o.endpoint, "http://collector:4318/v1/metrics");

  env = {{"OTEL_METRIC_EXPORT_INTERVAL", "soon"},
         {"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes"}};
  std::vector<std::string> warnings;
  o = OtlpMetricExporter::OptionsFrom(cfg, "1.2.3", getenv, &warnings);
  EXPECT_EQ(o.interval, std::chrono::seconds(15));
  EXPECT_EQ(o.encoder.temporality, Temporality::kCumulative);
  EXPECT_EQ(warnings.size(), 2u);
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
