#include "telemetry/metrics/cells.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "telemetry/metrics/collector.h"

namespace ferrite::telemetry::metrics {
namespace {

class CellsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Configure(8);
    DetachThread();  // re-attach with 8 slots
    ResetForTest();
    SetRecordingEnabled(true);
  }
};

ExemplarRef MakeExemplar(uint8_t seed) {
  ExemplarRef e;
  for (size_t i = 0; i < 16; ++i) e.trace_id.bytes[i] = static_cast<uint8_t>(seed + i);
  for (size_t i = 0; i < 8; ++i) e.span_id.bytes[i] = static_cast<uint8_t>(seed * 2 + i);
  return e;
}

TEST(BucketOfTest, UpperBoundsAreInclusive) {
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 0), 0u);
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 1'000), 0u);
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 1'001), 1u);
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 2'500), 1u);
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 10'000'000'000), kCommandBoundsNs.size() - 1);
  EXPECT_EQ(BucketOf(kCommandBoundsNs, 10'000'000'001), kCommandBoundsNs.size());
  EXPECT_EQ(BucketOf(kAofBoundsNs, 99'999), 0u);
  EXPECT_EQ(BucketOf(kAofBoundsNs, UINT64_MAX), kAofBoundsNs.size());
}

TEST_F(CellsTest, RecordsIntoBucketsAndSums) {
  RecordCommand(3, 800, nullptr);        // bucket 0 (<= 1us)
  RecordCommand(3, 1'500, nullptr);      // bucket 1 (<= 2.5us)
  RecordCommand(3, 3'000'000, nullptr);  // bucket 11 (<= 5ms)
  RecordCommand(5, 20'000, nullptr);     // bucket 4 (<= 25us)
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  ASSERT_EQ(h.size(), 9u);  // 8 commands + unknown
  EXPECT_EQ(h[3].count, 3u);
  EXPECT_EQ(h[3].sum_ns, 800u + 1'500 + 3'000'000);
  EXPECT_EQ(h[3].counts[0], 1u);
  EXPECT_EQ(h[3].counts[1], 1u);
  EXPECT_EQ(h[3].counts[11], 1u);
  EXPECT_EQ(h[5].count, 1u);
  EXPECT_EQ(h[5].counts[4], 1u);
  EXPECT_EQ(h[0].count, 0u);
}

TEST_F(CellsTest, UnknownAndOutOfRangeIdsFoldIntoTheLastSlot) {
  RecordCommand(kUnknownCommandId, 10, nullptr);
  RecordCommand(8, 10, nullptr);
  RecordCommand(1000, 10, nullptr);
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  EXPECT_EQ(h.back().count, 3u);
  for (size_t i = 0; i + 1 < h.size(); ++i) EXPECT_EQ(h[i].count, 0u);
}

TEST_F(CellsTest, MergesThreadsAndKeepsCountsOfExitedThreads) {
  constexpr int kPerThread = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kPerThread; ++i)
        RecordCommand(static_cast<uint32_t>(t % 2), 100, nullptr);
      RecordAofFsync(1'000'000);
    });
  }
  RecordCommand(0, 100, nullptr);  // the main thread, still attached
  for (auto& th : threads) th.join();
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  EXPECT_EQ(h[0].count, 2u * kPerThread + 1);
  EXPECT_EQ(h[1].count, 2u * kPerThread);
  EXPECT_EQ(h[0].sum_ns, (2u * kPerThread + 1) * 100);
  HistogramTotals aof = MergeAofHistogram();
  EXPECT_EQ(aof.count, 4u);
  EXPECT_EQ(aof.counts[BucketOf(kAofBoundsNs, 1'000'000)], 4u);
  EXPECT_EQ(aof.sum_ns, 4'000'000u);

  // A new thread reuses a retired block: it must start from zero, totals must not double.
  std::thread([] { RecordCommand(1, 100, nullptr); }).join();
  h = MergeCommandHistograms();
  EXPECT_EQ(h[1].count, 2u * kPerThread + 1);
  EXPECT_EQ(h[0].count, 2u * kPerThread + 1);
}

TEST_F(CellsTest, ConcurrentReadersSeeMonotonicTotals) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::thread writer([&] {
    do {
      RecordCommand(2, 50, nullptr);
      written.fetch_add(1, std::memory_order_relaxed);
    } while (!stop.load(std::memory_order_relaxed));
  });
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    uint64_t now = MergeCommandHistograms()[2].count;
    EXPECT_GE(now, last);
    last = now;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(MergeCommandHistograms()[2].count, written.load());
}

TEST_F(CellsTest, ExemplarGoesToTheBucketOfItsValueAndNewestWins) {
  ExemplarRef a = MakeExemplar(1), b = MakeExemplar(7);
  RecordCommand(4, 40'000, &a);  // bucket 5 (<= 50us)
  RecordCommand(4, 45'000, &b);  // same bucket, later
  RecordCommand(4, 900, nullptr);
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  const size_t bucket = BucketOf(kCommandBoundsNs, 45'000);
  ASSERT_TRUE(h[4].exemplars[bucket].has_value());
  EXPECT_EQ(h[4].exemplars[bucket]->trace_id, b.trace_id);
  EXPECT_EQ(h[4].exemplars[bucket]->span_id, b.span_id);
  EXPECT_EQ(h[4].exemplars[bucket]->value_ns, 45'000u);
  EXPECT_GT(h[4].exemplars[bucket]->time_unix_ns, 1'600'000'000'000'000'000u);
  EXPECT_FALSE(h[4].exemplars[0].has_value());  // the 900 ns command was not sampled
}

TEST_F(CellsTest, ExemplarsOfExitedThreadsSurvive) {
  ExemplarRef a = MakeExemplar(3);
  std::thread([&] { RecordCommand(6, 2'000'000, &a); }).join();
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  auto& e = h[6].exemplars[BucketOf(kCommandBoundsNs, 2'000'000)];
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->trace_id, a.trace_id);
}

TEST_F(CellsTest, ResetStartsFromZeroWithoutTouchingWriters) {
  ExemplarRef a = MakeExemplar(5);
  RecordCommand(1, 3'000, &a);
  RecordCommand(1, 3'000, nullptr);
  RecordAofFsync(2'000'000);
  std::thread([] { RecordCommand(1, 100, nullptr); }).join();  // retired counts too
  ResetHistograms();
  std::vector<HistogramTotals> h = MergeCommandHistograms();
  EXPECT_EQ(h[1].count, 0u);
  EXPECT_EQ(h[1].sum_ns, 0u);
  EXPECT_FALSE(h[1].exemplars[BucketOf(kCommandBoundsNs, 3'000)].has_value());
  EXPECT_EQ(MergeAofHistogram().count, 0u);
  RecordCommand(1, 3'000, nullptr);
  RecordAofFsync(2'000'000);
  h = MergeCommandHistograms();
  EXPECT_EQ(h[1].count, 1u);
  EXPECT_EQ(h[1].sum_ns, 3'000u);
  EXPECT_EQ(h[1].counts[BucketOf(kCommandBoundsNs, 3'000)], 1u);
  EXPECT_EQ(MergeAofHistogram().count, 1u);
  ResetHistograms();  // a second reset stacks on the first
  EXPECT_EQ(MergeCommandHistograms()[1].count, 0u);
  RecordCommand(1, 10, nullptr);
  EXPECT_EQ(MergeCommandHistograms()[1].count, 1u);
}

TEST_F(CellsTest, DisabledRecordingRecordsNothing) {
  SetRecordingEnabled(false);
  RecordCommand(1, 10, nullptr);
  RecordAofFsync(10);
  SetRecordingEnabled(true);
  EXPECT_EQ(MergeCommandHistograms()[1].count, 0u);
  EXPECT_EQ(MergeAofHistogram().count, 0u);
}

TEST_F(CellsTest, CollectorLabelsCommandsAndFoldsUnknown) {
  Collector c({"GET", "SET", "CONFIG GET", "", "", "", "", ""}, 123);
  RecordCommand(0, 1'000, nullptr);
  RecordCommand(2, 2'000, nullptr);
  RecordCommand(kUnknownCommandId, 0, nullptr);
  RecordCommand(kUnknownCommandId, 0, nullptr);
  MetricsSnapshot snap = c.Collect();
  EXPECT_EQ(snap.start_unix_ns, 123u);
  const auto& hist = snap[MetricId::kCommandDuration].histograms;
  ASSERT_EQ(hist.size(), 3u);
  EXPECT_EQ(hist[0].label, "GET");
  EXPECT_EQ(hist[1].label, "CONFIG GET");
  EXPECT_EQ(hist[2].label, "unknown");
  EXPECT_EQ(hist[2].totals.count, 2u);
  // Unknown commands are counted in commands_total too (ServerStats does not count them).
  const auto& commands = snap[MetricId::kCommands].numbers;
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].label, "unknown");
  EXPECT_EQ(commands[0].i, 2);
  // Always present: the AOF histogram (zero until the AOF records) and replication lag 0.
  ASSERT_EQ(snap[MetricId::kAofSyncDuration].histograms.size(), 1u);
  ASSERT_EQ(snap[MetricId::kReplicationLag].numbers.size(), 1u);
  EXPECT_EQ(snap[MetricId::kReplicationLag].numbers[0].i, 0);
}

TEST_F(CellsTest, CollectorReportsTelemetryPipelinesThatRun) {
  Collector c({});
  c.SetTelemetryStats([] {
    TelemetrySelfStats s;
    s.traces = {true, 10, 2, 1, 5};
    return s;
  });
  c.SetReplicationLag([] { return std::vector<ReplicaLag>{{"10.0.0.2:6380", 42}}; });
  MetricsSnapshot snap = c.Collect();
  ASSERT_EQ(snap[MetricId::kTelemetryExported].numbers.size(), 1u);  // logs inactive
  EXPECT_EQ(snap[MetricId::kTelemetryExported].numbers[0].label, "traces");
  EXPECT_EQ(snap[MetricId::kTelemetryExported].numbers[0].i, 10);
  EXPECT_EQ(snap[MetricId::kTelemetryDropped].numbers[0].i, 2);
  EXPECT_EQ(snap[MetricId::kTelemetryFailed].numbers[0].i, 1);
  EXPECT_EQ(snap[MetricId::kTelemetryQueueLength].numbers[0].i, 5);
  ASSERT_EQ(snap[MetricId::kReplicationLag].numbers.size(), 1u);
  EXPECT_EQ(snap[MetricId::kReplicationLag].numbers[0].label, "10.0.0.2:6380");
  EXPECT_EQ(snap[MetricId::kReplicationLag].numbers[0].i, 42);
}

TEST(MetricDefsTest, TableHoldsTheSeedMetrics) {
  // The 18 metrics of the seed's "Exported Metrics" table, with its types and units.
  struct Row {
    std::string_view name, unit;
    MetricKind kind;
  };
  const Row seed[] = {
      {"ferrite.commands.total", "{commands}", MetricKind::kCounter},
      {"ferrite.command.duration", "s", MetricKind::kHistogram},
      {"ferrite.memory.used", "By", MetricKind::kGauge},
      {"ferrite.memory.max", "By", MetricKind::kGauge},
      {"ferrite.connections.active", "{connections}", MetricKind::kUpDown},
      {"ferrite.connections.total", "{connections}", MetricKind::kCounter},
      {"ferrite.cache.hit.rate", "1", MetricKind::kGauge},
      {"ferrite.cache.hits.total", "{hits}", MetricKind::kCounter},
      {"ferrite.cache.misses.total", "{misses}", MetricKind::kCounter},
      {"ferrite.hybridlog.tier.size", "By", MetricKind::kUpDown},
      {"ferrite.keys.total", "{keys}", MetricKind::kUpDown},
      {"ferrite.keys.expired.total", "{keys}", MetricKind::kCounter},
      {"ferrite.keys.evicted.total", "{keys}", MetricKind::kCounter},
      {"ferrite.network.bytes.received", "By", MetricKind::kCounter},
      {"ferrite.network.bytes.sent", "By", MetricKind::kCounter},
      {"ferrite.replication.lag", "By", MetricKind::kGauge},
      {"ferrite.aof.sync.duration", "s", MetricKind::kHistogram},
      {"ferrite.epoch.current", "{epoch}", MetricKind::kGauge},
  };
  for (const Row& r : seed) {
    bool found = false;
    for (const MetricDesc& d : kMetrics) {
      if (d.seed_name != r.name) continue;
      found = true;
      EXPECT_EQ(d.seed_unit, r.unit) << r.name;
      EXPECT_EQ(d.kind, r.kind) << r.name;
    }
    EXPECT_TRUE(found) << r.name;
  }
  for (size_t i = 0; i < kMetricCount; ++i) EXPECT_EQ(static_cast<size_t>(kMetrics[i].id), i);
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
