#include "telemetry/metrics/otlp_metrics.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry::metrics {
namespace {

using wire::ProtoReader;

// A decoded Metric, enough to check the mapping (the protobufjs test checks the whole schema).
struct Decoded {
  std::string unit;
  uint32_t type_field = 0;  // 5 gauge, 7 sum, 9 histogram
  uint64_t temporality = 0;
  bool monotonic = false;
  int points = 0;
  std::vector<int64_t> ints;             // NumberDataPoint.as_int
  std::vector<uint64_t> hist_counts;     // HistogramDataPoint.count
  std::vector<uint64_t> starts;          // start_time_unix_nano
  std::vector<std::string> attr_values;  // first attribute's string value
  int exemplars = 0;
  std::string exemplar_trace_id;
};

std::string AttrValue(std::string_view kv) {
  ProtoReader r(kv);
  std::string value;
  while (r.Next()) {
    if (r.field() == 2) {
      ProtoReader any(r.bytes());
      while (any.Next()) {
        if (any.field() == 1) value.assign(any.bytes());
      }
    }
  }
  return value;
}

void DecodePoint(std::string_view dp, bool histogram, Decoded* m) {
  ProtoReader r(dp);
  ++m->points;
  while (r.Next()) {
    uint32_t f = r.field();
    if ((histogram && f == 9) || (!histogram && f == 7))
      m->attr_values.push_back(AttrValue(r.bytes()));
    if (f == 2) m->starts.push_back(r.varint());
    if (!histogram && f == 6) m->ints.push_back(static_cast<int64_t>(r.varint()));
    if (histogram && f == 4) m->hist_counts.push_back(r.varint());
    if (histogram && f == 8) {
      ++m->exemplars;
      ProtoReader e(r.bytes());
      while (e.Next()) {
        if (e.field() == 5) m->exemplar_trace_id.assign(e.bytes());
      }
    }
  }
}

std::map<std::string, Decoded> Decode(const std::string& bytes) {
  std::map<std::string, Decoded> out;
  ProtoReader req(bytes);
  while (req.Next()) {
    ProtoReader rm(req.bytes());
    while (rm.Next()) {
      if (rm.field() != 2) continue;
      ProtoReader sm(rm.bytes());
      while (sm.Next()) {
        if (sm.field() != 2) continue;
        ProtoReader metric(sm.bytes());
        std::string name;
        Decoded d;
        while (metric.Next()) {
          switch (metric.field()) {
            case 1:
              name.assign(metric.bytes());
              break;
            case 3:
              d.unit.assign(metric.bytes());
              break;
            case 5:
            case 7:
            case 9: {
              d.type_field = metric.field();
              ProtoReader body(metric.bytes());
              while (body.Next()) {
                if (body.field() == 1) DecodePoint(body.bytes(), d.type_field == 9, &d);
                if (body.field() == 2) d.temporality = body.varint();
                if (body.field() == 3) d.monotonic = body.varint() != 0;
              }
              break;
            }
          }
        }
        EXPECT_FALSE(metric.error());
        out[name] = d;
      }
    }
  }
  EXPECT_FALSE(req.error());
  return out;
}

MetricsSnapshot Snapshot(int64_t commands, uint64_t hist_count, uint64_t time) {
  MetricsSnapshot s;
  s.start_unix_ns = 1000;
  s.time_unix_ns = time;
  s.AddInt(MetricId::kCommands, "GET", commands);
  s.AddInt(MetricId::kConnectionsActive, "", 4);
  s.AddDouble(MetricId::kCacheHitRate, "", 0.5);
  s.AddInt(MetricId::kHybridlogTierSize, "disk", 8192);
  HistogramPoint p{"GET", kCommandBoundsNs.data(), kCommandBoundsNs.size(), {}};
  p.totals.counts.assign(kCommandBuckets, 0);
  p.totals.exemplars.assign(kCommandBuckets, std::nullopt);
  p.totals.counts[2] = hist_count;
  p.totals.count = hist_count;
  p.totals.sum_ns = hist_count * 4000;
  ExemplarValue e;
  e.trace_id.bytes[0] = 0xab;
  e.span_id.bytes[0] = 0xcd;
  e.value_ns = 4000;
  e.time_unix_ns = 1500;
  p.totals.exemplars[2] = e;
  s[MetricId::kCommandDuration].histograms.push_back(p);
  return s;
}

TEST(OtlpMetricsTest, CumulativeMapping) {
  OtlpMetricsEncoder enc({});
  auto m = Decode(enc.Encode(Snapshot(7, 3, 2000)));
  const Decoded& commands = m.at("ferrite.commands.total");
  EXPECT_EQ(commands.unit, "{commands}");
  EXPECT_EQ(commands.type_field, 7u);
  EXPECT_TRUE(commands.monotonic);
  EXPECT_EQ(commands.temporality, 2u);
  ASSERT_EQ(commands.ints.size(), 1u);
  EXPECT_EQ(commands.ints[0], 7);
  EXPECT_EQ(commands.attr_values[0], "GET");
  EXPECT_EQ(commands.starts[0], 1000u);

  EXPECT_EQ(m.at("ferrite.connections.active").type_field, 5u);  // seed: a gauge
  EXPECT_EQ(m.at("ferrite.cache.hit.rate").type_field, 5u);
  EXPECT_EQ(m.at("ferrite.cache.hit.rate").unit, "1");

  const Decoded& hist = m.at("ferrite.command.duration");
  EXPECT_EQ(hist.type_field, 9u);
  EXPECT_EQ(hist.unit, "s");
  EXPECT_EQ(hist.temporality, 2u);
  EXPECT_EQ(hist.hist_counts[0], 3u);
  EXPECT_EQ(hist.exemplars, 1);
  ASSERT_EQ(hist.exemplar_trace_id.size(), 16u);
  EXPECT_EQ(static_cast<uint8_t>(hist.exemplar_trace_id[0]), 0xab);
}

TEST(OtlpMetricsTest, CurrentNamesMakeUpDownCountsNonMonotonicSums) {
  OtlpMetricsEncoder::Options opt;
  opt.scheme = NameScheme::kNew;
  OtlpMetricsEncoder enc(opt);
  auto m = Decode(enc.Encode(Snapshot(7, 3, 2000)));
  EXPECT_EQ(m.count("ferrite.commands.total"), 0u);
  EXPECT_EQ(m.at("ferrite.commands").unit, "{command}");
  const Decoded& conns = m.at("ferrite.active_connections");
  EXPECT_EQ(conns.type_field, 7u);
  EXPECT_FALSE(conns.monotonic);
  EXPECT_EQ(conns.temporality, 2u);
  EXPECT_EQ(m.at("ferrite.cache.hit.ratio").type_field, 5u);
}

TEST(OtlpMetricsTest, BothSchemesEmitEachNameOnce) {
  OtlpMetricsEncoder::Options opt;
  opt.scheme = NameScheme::kBoth;
  OtlpMetricsEncoder enc(opt);
  auto m = Decode(enc.Encode(Snapshot(7, 3, 2000)));
  EXPECT_EQ(m.count("ferrite.commands.total"), 1u);
  EXPECT_EQ(m.count("ferrite.commands"), 1u);
  EXPECT_EQ(m.count("ferrite.command.duration"), 1u);
  EXPECT_EQ(m.at("ferrite.hybridlog.tier.size").type_field, 7u);  // the current kind
}

TEST(OtlpMetricsTest, DeltaSendsChangesSinceThePreviousExport) {
  OtlpMetricsEncoder::Options opt;
  opt.temporality = Temporality::kDelta;
  OtlpMetricsEncoder enc(opt);
  auto first = Decode(enc.Encode(Snapshot(7, 3, 2000)));
  EXPECT_EQ(first.at("ferrite.commands.total").temporality, 1u);
  EXPECT_EQ(first.at("ferrite.commands.total").ints[0], 7);
  EXPECT_EQ(first.at("ferrite.commands.total").starts[0], 1000u);
  auto second = Decode(enc.Encode(Snapshot(10, 5, 3000)));
  const Decoded& c = second.at("ferrite.commands.total");
  EXPECT_EQ(c.ints[0], 3);
  EXPECT_EQ(c.starts[0], 2000u);  // the previous collection
  const Decoded& h = second.at("ferrite.command.duration");
  EXPECT_EQ(h.temporality, 1u);
  EXPECT_EQ(h.hist_counts[0], 2u);
  EXPECT_EQ(h.exemplars, 0);  // recorded before the window
  // Up-down counts stay cumulative; gauges have no temporality.
  EXPECT_EQ(second.at("ferrite.hybridlog.tier.size").type_field, 5u);
  // A counter that went backwards (CONFIG RESETSTAT) restarts from its new value.
  auto third = Decode(enc.Encode(Snapshot(4, 5, 4000)));
  EXPECT_EQ(third.at("ferrite.commands.total").ints[0], 4);
}

TEST(OtlpMetricsTest, LowMemoryMakesOnlyHistogramsDelta) {
  OtlpMetricsEncoder::Options opt;
  opt.temporality = Temporality::kLowMemory;
  OtlpMetricsEncoder enc(opt);
  enc.Encode(Snapshot(7, 3, 2000));
  auto m = Decode(enc.Encode(Snapshot(10, 5, 3000)));
  EXPECT_EQ(m.at("ferrite.commands.total").temporality, 2u);
  EXPECT_EQ(m.at("ferrite.commands.total").ints[0], 10);
  EXPECT_EQ(m.at("ferrite.command.duration").temporality, 1u);
  EXPECT_EQ(m.at("ferrite.command.duration").hist_counts[0], 2u);
}

TEST(OtlpMetricsTest, ParsesTemporalityPreference) {
  EXPECT_EQ(ParseTemporalityPreference("Delta"), Temporality::kDelta);
  EXPECT_EQ(ParseTemporalityPreference("cumulative"), Temporality::kCumulative);
  EXPECT_EQ(ParseTemporalityPreference("LOWMEMORY"), Temporality::kLowMemory);
  EXPECT_FALSE(ParseTemporalityPreference("sometimes").has_value());
}

}  // namespace
}  // namespace ferrite::telemetry::metrics
