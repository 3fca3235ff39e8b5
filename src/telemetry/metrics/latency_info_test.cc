#include "telemetry/metrics/latency_info.h"

#include <gtest/gtest.h>

namespace ferrite::telemetry::metrics {
namespace {

class LatencyInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Configure(8);
    DetachThread();
    ResetForTest();
    SetRecordingEnabled(true);
  }
};

TEST_F(LatencyInfoTest, PercentilesInterpolateInsideTheBucketThatHoldsThem) {
  // 100 samples in (1 us, 2.5 us]: p50 is half-way through that bucket.
  for (int i = 0; i < 100; ++i) RecordCommand(3, 2'000, nullptr);
  HistogramTotals h = MergeCommandHistograms()[3];
  ASSERT_EQ(h.count, 100u);
  EXPECT_DOUBLE_EQ(PercentileUsec(h, 50), 1.75);
  EXPECT_DOUBLE_EQ(PercentileUsec(h, 100), 2.5);
  // One slow sample moves p99.9 (rank 101 of 101) into the 1 ms bucket, p50 stays put.
  RecordCommand(3, 900'000, nullptr);
  h = MergeCommandHistograms()[3];
  EXPECT_LT(PercentileUsec(h, 50), 2.5);
  EXPECT_GT(PercentileUsec(h, 99.9), 500.0);
  EXPECT_LE(PercentileUsec(h, 99.9), 1000.0);
}

TEST_F(LatencyInfoTest, OneLinePerCalledCommandInRedisFormat) {
  RecordCommand(1, 1'000, nullptr);
  RecordCommand(2, 20'000'000'000ull, nullptr);  // beyond the last bound
  std::vector<std::string> names = {"ping", "get", "config|get", ""};
  std::string out;
  AppendLatencyStats(names, kInfoPercentiles, &out);
  EXPECT_EQ(out,
            "latency_percentiles_usec_get:p50=1.000,p99=1.000,p99.9=1.000\r\n"
            "latency_percentiles_usec_config|get:p50=10000000.000,p99=10000000.000,"
            "p99.9=10000000.000\r\n");
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
