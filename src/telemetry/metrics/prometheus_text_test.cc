#include "telemetry/metrics/prometheus_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferrite::telemetry::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusNameTest, SeedNamesAreWhatTheSeedsPromQlQueries) {
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCommands), false), "ferrite_commands_total");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCommandDuration), false), "ferrite_command_duration");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCacheHitRate), false), "ferrite_cache_hit_rate");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kHybridlogTierSize), false),
            "ferrite_hybridlog_tier_size");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kMemoryUsed), false), "ferrite_memory_used");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kMemoryMax), false), "ferrite_memory_max");
  // Counters always end in _total (OpenMetrics requires it).
  EXPECT_EQ(PrometheusName(Desc(MetricId::kNetworkBytesReceived), false),
            "ferrite_network_bytes_received_total");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kKeys), false), "ferrite_keys_total");
}

TEST(PrometheusNameTest, CurrentNamesFollowTheOtelPrometheusRules) {
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCommands), true), "ferrite_commands_total");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCommandDuration), true),
            "ferrite_command_duration_seconds");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kMemoryUsed), true), "ferrite_memory_usage_bytes");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kCacheHitRate), true), "ferrite_cache_hit_ratio");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kNetworkBytesSent), true),
            "ferrite_network_sent_bytes_total");
  EXPECT_EQ(PrometheusName(Desc(MetricId::kKeys), true), "ferrite_db_keys");
  EXPECT_EQ(PrometheusLabelName("error.type"), "error_type");
}

TEST(NegotiateFormatTest, PicksOpenMetricsOnlyWhenPreferred) {
  EXPECT_EQ(NegotiateFormat(""), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("*/*"), ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("text/plain;version=0.0.4"), ExpositionFormat::kText004);
  // Prometheus 2.42's scrape header.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,application/"
                            "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                            "q=0.5,*/*;q=0.1"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("Application/OpenMetrics-Text; version=1.0.0"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("text/plain, application/openmetrics-text;q=0.5"),
            ExpositionFormat::kText004);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0"), ExpositionFormat::kText004);
}

MetricsSnapshot Sample() {
  MetricsSnapshot s;
  s.AddInt(MetricId::kCommands, "GET", 3);
  s.AddInt(MetricId::kCommands, "CONFIG GET", 1);
  s.AddInt(MetricId::kMemoryUsed, "", 1048576);
  s.AddDouble(MetricId::kCacheHitRate, "", 0.75);
  s.AddInt(MetricId::kNetworkBytesReceived, "", 99);
  s.AddInt(MetricId::kErrors, "WRONG\"TYPE\\", 2);
  s.AddInt(MetricId::kReplicationLag, "", 0);
  HistogramPoint p{"GET", kCommandBoundsNs.data(), kCommandBoundsNs.size(), {}};
  p.totals.counts.assign(kCommandBuckets, 0);
  p.totals.exemplars.assign(kCommandBuckets, std::nullopt);
  p.totals.counts[0] = 2;  // <= 1us
  p.totals.counts[3] = 1;  // <= 10us
  p.totals.count = 3;
  p.totals.sum_ns = 1'000 + 900 + 7'500;
  ExemplarValue e;
  for (size_t i = 0; i < 16; ++i) e.trace_id.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  for (size_t i = 0; i < 8; ++i) e.span_id.bytes[i] = static_cast<uint8_t>(0x10 + i);
  e.value_ns = 7'500;
  e.time_unix_ns = 1'700'000'000'250'000'000;
  p.totals.exemplars[3] = e;
  s[MetricId::kCommandDuration].histograms.push_back(p);
  return s;
}

TEST(RenderTest, Text004) {
  std::string out;
  RenderPrometheus(Sample(), ExpositionFormat::kText004, NameScheme::kOld, &out);
  EXPECT_THAT(out, HasSubstr("# HELP ferrite_commands_total Total commands processed, labeled "
                             "by command.\n# TYPE ferrite_commands_total counter\n"
                             "ferrite_commands_total{command=\"GET\"} 3\n"
                             "ferrite_commands_total{command=\"CONFIG GET\"} 1\n"));
  EXPECT_THAT(out,
              HasSubstr("# TYPE ferrite_command_duration histogram\n"
                        "ferrite_command_duration_bucket{command=\"GET\",le=\"0.000001\"} 2\n"
                        "ferrite_command_duration_bucket{command=\"GET\",le=\"0.0000025\"} 2\n"));
  EXPECT_THAT(out,
              HasSubstr("ferrite_command_duration_bucket{command=\"GET\",le=\"0.00001\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_command_duration_bucket{command=\"GET\",le=\"10.0\"} 3\n"
                             "ferrite_command_duration_bucket{command=\"GET\",le=\"+Inf\"} 3\n"
                             "ferrite_command_duration_sum{command=\"GET\"} 0.0000094\n"
                             "ferrite_command_duration_count{command=\"GET\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_memory_used 1048576\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_cache_hit_rate 0.75\n"));
  EXPECT_THAT(out, HasSubstr("# TYPE ferrite_network_bytes_received_total counter\n"
                             "ferrite_network_bytes_received_total 99\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_errors_total{error_type=\"WRONG\\\"TYPE\\\\\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_replication_lag 0\n"));
  // No exemplars, UNIT or EOF in 0.0.4; metrics without data are not emitted.
  EXPECT_THAT(out, Not(HasSubstr("trace_id")));
  EXPECT_THAT(out, Not(HasSubstr("# EOF")));
  EXPECT_THAT(out, Not(HasSubstr("ferrite_epoch_current")));
}

TEST(RenderTest, OpenMetrics) {
  std::string out;
  RenderPrometheus(Sample(), ExpositionFormat::kOpenMetrics, NameScheme::kOld, &out);
  EXPECT_THAT(out, HasSubstr("# TYPE ferrite_commands counter\n"
                             "ferrite_commands_total{command=\"GET\"} 3\n"));
  EXPECT_THAT(out, HasSubstr("# TYPE ferrite_network_bytes_received counter\n"
                             "ferrite_network_bytes_received_total 99\n"));
  EXPECT_THAT(out, HasSubstr("ferrite_command_duration_bucket{command=\"GET\",le=\"0.00001\"} 3 # "
                             "{trace_id=\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",span_id="
                             "\"1011121314151617\"} 0.0000075 1700000000.25\n"));
  EXPECT_EQ(out.substr(out.size() - 6), "# EOF\n");
  EXPECT_THAT(out, Not(HasSubstr("# UNIT")));  // seed names carry no unit suffix
}

TEST(RenderTest, CurrentAndBothSchemes) {
  std::string current, both;
  RenderPrometheus(Sample(), ExpositionFormat::kOpenMetrics, NameScheme::kNew, &current);
  EXPECT_THAT(current, HasSubstr("# TYPE ferrite_command_duration_seconds histogram\n"
                                 "# UNIT ferrite_command_duration_seconds seconds\n"));
  EXPECT_THAT(current, HasSubstr("# UNIT ferrite_memory_usage_bytes bytes\n"));
  EXPECT_THAT(current, HasSubstr("# TYPE ferrite_network_received_bytes counter\n"
                                 "# UNIT ferrite_network_received_bytes bytes\n"
                                 "ferrite_network_received_bytes_total 99\n"));
  EXPECT_THAT(current, Not(HasSubstr("ferrite_memory_used ")));
  RenderPrometheus(Sample(), ExpositionFormat::kText004, NameScheme::kBoth, &both);
  EXPECT_THAT(both, HasSubstr("ferrite_memory_used 1048576\n"));
  EXPECT_THAT(both, HasSubstr("ferrite_memory_usage_bytes 1048576\n"));
  // Same name under both schemes: one family.
  size_t first = both.find("# TYPE ferrite_commands_total counter");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(both.find("# TYPE ferrite_commands_total counter", first + 1), std::string::npos);
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
