// Unit tests of telemetry/api: samplers (including statistical ratio checks), db.statement
// sanitisation and UTF-8 escaping, the SPSC ring, and CommandTrace / ScopedSpan recording with
// drop counting through a test RecordSink.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/api/command_trace.h"
#include "telemetry/api/scoped_span.h"
#include "telemetry/api/semconv.h"

namespace ferrite::telemetry {
namespace {

TraceId RandomTraceId(std::mt19937_64& rng) {
  TraceId id;
  uint64_t a = rng(), b = rng();
  std::memcpy(id.bytes.data(), &a, 8);
  std::memcpy(id.bytes.data() + 8, &b, 8);
  return id;
}

TEST(Sampler, W3cTestVector) {
  auto ctx = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(TraceRandomness(ctx->trace_id), 0x48eb211c80319cULL);
  // R = 0.2848 * 2^56, so the trace is kept iff ratio >= 0.7152.
  EXPECT_TRUE(
      ShouldSample(Sampler::Make(SamplerKind::kTraceIdRatio, 0.75), nullptr, ctx->trace_id));
  EXPECT_FALSE(
      ShouldSample(Sampler::Make(SamplerKind::kTraceIdRatio, 0.5), nullptr, ctx->trace_id));
  EXPECT_TRUE(ShouldSample(Sampler::Make(SamplerKind::kTraceIdRatio, 1.0), nullptr, ctx->trace_id));
  EXPECT_FALSE(
      ShouldSample(Sampler::Make(SamplerKind::kTraceIdRatio, 0.0), nullptr, ctx->trace_id));
}

TEST(Sampler, RatioIsStatisticallyRight) {
  std::mt19937_64 rng(42);
  constexpr int kN = 200000;
  for (double p : {0.01, 0.1, 0.25, 0.5, 0.9}) {
    Sampler s = Sampler::Make(SamplerKind::kTraceIdRatio, p);
    int kept = 0;
    for (int i = 0; i < kN; ++i) kept += ShouldSample(s, nullptr, RandomTraceId(rng));
    double sigma = std::sqrt(p * (1 - p) / kN);
    EXPECT_NEAR(static_cast<double>(kept) / kN, p, 5 * sigma) << "ratio " << p;
  }
}

TEST(Sampler, RatioIsDeterministicAndMonotone) {
  std::mt19937_64 rng(7);
  Sampler lo = Sampler::Make(SamplerKind::kTraceIdRatio, 0.2);
  Sampler hi = Sampler::Make(SamplerKind::kTraceIdRatio, 0.6);
  for (int i = 0; i < 20000; ++i) {
    TraceId id = RandomTraceId(rng);
    bool a = ShouldSample(lo, nullptr, id);
    EXPECT_EQ(a, ShouldSample(lo, nullptr, id));
    if (a) {
      EXPECT_TRUE(ShouldSample(hi, nullptr, id));
    }
  }
}

TEST(Sampler, ParentBasedTable) {
  std::mt19937_64 rng(1);
  TraceId id = RandomTraceId(rng);
  SpanContext sampled_parent =
      *ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  SpanContext unsampled_parent =
      *ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  SpanContext invalid;  // all zero: treated as absent
  struct Case {
    SamplerKind kind;
    bool root, with_sampled, with_unsampled;
  } cases[] = {
      {SamplerKind::kAlwaysOn, true, true, true},
      {SamplerKind::kAlwaysOff, false, false, false},
      {SamplerKind::kParentBasedAlwaysOn, true, true, false},
      {SamplerKind::kParentBasedAlwaysOff, false, true, false},
  };
  for (const Case& c : cases) {
    Sampler s = Sampler::Make(c.kind, 1.0);
    EXPECT_EQ(ShouldSample(s, nullptr, id), c.root) << SamplerKindName(c.kind);
    EXPECT_EQ(ShouldSample(s, &invalid, id), c.root) << SamplerKindName(c.kind);
    EXPECT_EQ(ShouldSample(s, &sampled_parent, id), c.with_sampled) << SamplerKindName(c.kind);
    EXPECT_EQ(ShouldSample(s, &unsampled_parent, id), c.with_unsampled) << SamplerKindName(c.kind);
  }
  // Ratio 0: roots dropped, a sampled parent is honoured by the parent-based form only.
  Sampler pb = Sampler::Make(SamplerKind::kParentBasedTraceIdRatio, 0.0);
  Sampler plain = Sampler::Make(SamplerKind::kTraceIdRatio, 0.0);
  EXPECT_FALSE(ShouldSample(pb, nullptr, id));
  EXPECT_TRUE(ShouldSample(pb, &sampled_parent, sampled_parent.trace_id));
  EXPECT_FALSE(ShouldSample(pb, &unsampled_parent, unsampled_parent.trace_id));
  EXPECT_FALSE(ShouldSample(plain, &sampled_parent, sampled_parent.trace_id));
}

TEST(Sampler, ParsesAllSixNames) {
  for (auto k : {SamplerKind::kAlwaysOn, SamplerKind::kAlwaysOff, SamplerKind::kTraceIdRatio,
                 SamplerKind::kParentBasedAlwaysOn, SamplerKind::kParentBasedAlwaysOff,
                 SamplerKind::kParentBasedTraceIdRatio}) {
    EXPECT_EQ(ParseSamplerKind(SamplerKindName(k)), k);
  }
  EXPECT_EQ(ParseSamplerKind("AlwaysOn"), std::nullopt);
  EXPECT_EQ(ParseSamplerKind("ALWAYS_ON"), SamplerKind::kAlwaysOn);
  EXPECT_EQ(ParseSamplerKind("jaeger_remote"), std::nullopt);
}

std::string Statement(std::vector<std::string_view> argv, std::vector<uint16_t> keys,
                      StatementMode mode, size_t cap = 256) {
  std::vector<char> buf(cap);
  size_t n = BuildStatement(argv, keys, mode, buf.data(), cap);
  return std::string(buf.data(), n);
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(p + i, s.size() - i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TEST(Statement, Modes) {
  std::vector<std::string_view> set = {"SET", "user:123", "{\"name\":\"Alice\"}", "EX", "60"};
  EXPECT_EQ(Statement(set, {1}, StatementMode::kSanitized), "SET user:123 ? ? ?");
  EXPECT_EQ(Statement(set, {1}, StatementMode::kKeysRedacted), "SET ? ? ? ?");
  EXPECT_EQ(Statement(set, {1}, StatementMode::kFull),
            "SET user:123 \"{\\\"name\\\":\\\"Alice\\\"}\" EX 60");
  EXPECT_EQ(Statement(set, {1}, StatementMode::kOff), "");
  std::vector<std::string_view> mset = {"MSET", "a", "1", "b", "2"};
  EXPECT_EQ(Statement(mset, {1, 3}, StatementMode::kSanitized), "MSET a ? b ?");
  std::vector<std::string_view> ping = {"PING"};
  EXPECT_EQ(Statement(ping, {}, StatementMode::kSanitized), "PING");
}

TEST(Statement, BinaryKeysBecomeValidUtf8) {
  std::string key("k\x00\xff\xc3\xa9 \"x\"\\", 10);
  std::vector<std::string_view> argv = {"GET", key};
  std::string s = Statement(argv, {1}, StatementMode::kSanitized);
  EXPECT_EQ(s, "GET \"k\\x00\\xff\xc3\xa9 \\\"x\\\"\\\\\"");
  EXPECT_TRUE(IsValidUtf8(s));
  // Overlong encodings and surrogates are invalid UTF-8 and get escaped too.
  std::string bad("\xc0\xaf\xed\xa0\x80", 5);
  char out[64];
  size_t n = EscapeToUtf8(bad, out, sizeof out, nullptr);
  EXPECT_EQ(std::string(out, n), "\\xc0\\xaf\\xed\\xa0\\x80");
  std::string empty_key;
  std::vector<std::string_view> argv2 = {"GET", empty_key};
  EXPECT_EQ(Statement(argv2, {1}, StatementMode::kSanitized), "GET \"\"");
}

TEST(Statement, TruncatesAtArgumentBoundary) {
  std::string long_key(100, 'k');
  std::vector<std::string_view> argv = {"DEL", "a", long_key, "b"};
  std::string s = Statement(argv, {1, 2, 3}, StatementMode::kSanitized, 40);
  EXPECT_EQ(s, "DEL a ...");
  EXPECT_LE(s.size(), 40u);
  std::string utf(60, 'x');
  utf += "\xc3\xa9";
  std::vector<std::string_view> argv2 = {"GET", utf};
  std::string s2 = Statement(argv2, {1}, StatementMode::kSanitized, 64);
  EXPECT_EQ(s2, "GET ...");
}

TEST(Semconv, StabilityOptIn) {
  using semconv::NameScheme;
  EXPECT_EQ(semconv::ParseStabilityOptIn(""), NameScheme::kOld);
  EXPECT_EQ(semconv::ParseStabilityOptIn("http"), NameScheme::kOld);
  EXPECT_EQ(semconv::ParseStabilityOptIn("database"), NameScheme::kNew);
  EXPECT_EQ(semconv::ParseStabilityOptIn("http, database"), NameScheme::kNew);
  EXPECT_EQ(semconv::ParseStabilityOptIn("database,database/dup"), NameScheme::kBoth);
  EXPECT_EQ(semconv::ParseStabilityOptIn("database/dup"), NameScheme::kBoth);
}

TEST(SpscRing, FifoFullAndWrap) {
  SpscRing<uint64_t> ring(4);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(ring.TryPush(i));
  EXPECT_FALSE(ring.TryPush(99));
  EXPECT_EQ(ring.SizeApprox(), 4u);
  uint64_t v;
  for (uint64_t round = 0; round < 10; ++round) {
    ASSERT_TRUE(ring.TryPop(&v));
    EXPECT_EQ(v, round);
    EXPECT_TRUE(ring.TryPush(round + 4));
  }
  int n = 0;
  while (ring.TryPop(&v)) ++n;
  EXPECT_EQ(n, 4);
  EXPECT_FALSE(ring.TryPop(&v));
}

TEST(SpscRing, ConcurrentProducerConsumerKeepsOrder) {
  SpscRing<uint64_t> ring(64);
  constexpr uint64_t kN = 200000;
  std::thread producer([&] {
    for (uint64_t i = 0; i < kN;)
      if (ring.TryPush(i)) ++i;
  });
  uint64_t expect = 0, v;
  while (expect < kN)
    if (ring.TryPop(&v)) {
      ASSERT_EQ(v, expect);
      ++expect;
    }
  producer.join();
}

// The exporter's way of consuming: read in place, then release.
TEST(SpscRing, FrontAndPopFrontKeepOrderAcrossThreads) {
  SpscRing<uint64_t> ring(8);
  EXPECT_EQ(ring.Front(), nullptr);
  constexpr uint64_t kCount = 100000;
  std::thread producer([&] {
    for (uint64_t i = 0; i < kCount;)
      if (ring.TryPush(i)) ++i;
  });
  uint64_t expected = 0;
  while (expected < kCount) {
    if (const uint64_t* v = ring.Front()) {
      ASSERT_EQ(*v, expected);
      ring.PopFront();
      ++expected;
    }
  }
  producer.join();
  EXPECT_EQ(ring.Front(), nullptr);
}

#if FERRITE_OTEL
// A sink with small rings so drops are easy to provoke.
class TestSink : public RecordSink {
 public:
  std::shared_ptr<ThreadBuffer> RegisterThread() override {
    auto b = std::make_shared<ThreadBuffer>(4, 4);
    buffers.push_back(b);
    return b;
  }
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
};

class RecordingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TraceSettings s;
    s.enabled = true;
    s.sampler = Sampler::Make(SamplerKind::kParentBasedAlwaysOn, 1.0);
    InstallTraceSettings(s);
    SetRecordSink(&sink_);
  }
  void TearDown() override {
    for (auto& b : sink_.buffers) b->closed.store(true);
    SetRecordSink(nullptr);
    InstallTraceSettings(TraceSettings{});
  }
  TestSink sink_;
};

TEST_F(RecordingTest, CommandTraceRecordsStepsAndAttributes) {
  CommandTrace t;
  auto parent = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(parent->trace_state.Assign("vendor=1"));
  ASSERT_TRUE(t.Start(&*parent));
  t.Stamp(Step::kRespParse);
  t.Stamp(Step::kDispatch);
  std::vector<std::string_view> argv = {"SET", "user:1", "secret"};
  std::vector<uint16_t> keys = {1};
  t.SetCommand(argv, keys, "SET");
  t.SetClient(42, 0, "127.0.0.1", 50000);
  {
    ActiveTraceScope active(t);
    StepScope lookup(Step::kIndexLookup);
    StepScope write(Step::kStorageWrite);
    write.SetTier(Tier::kMutable);
    write.SetBytes(6);
    write.SetEpoch(7);
  }
  EXPECT_EQ(ActiveCommandTrace(), nullptr);
  t.Stamp(Step::kExecute);
  t.SetResult("OK");
  SpanContext ctx = t.context();
  EXPECT_EQ(ctx.trace_id, parent->trace_id);
  ASSERT_TRUE(t.Finish());
  EXPECT_FALSE(t.sampled());

  ASSERT_EQ(sink_.buffers.size(), 1u);
  CommandRecord r;
  ASSERT_TRUE(sink_.buffers[0]->commands.TryPop(&r));
  EXPECT_EQ(r.trace_id, parent->trace_id);
  EXPECT_EQ(r.span_id, ctx.span_id);
  EXPECT_TRUE(r.has_parent);
  EXPECT_EQ(r.parent.span_id, parent->span_id);
  EXPECT_EQ(r.parent.trace_state.view(), "vendor=1");
  EXPECT_EQ(r.command.view(), "SET");
  EXPECT_EQ(r.key.view(), "user:1");
  EXPECT_EQ(r.statement.view(), "SET user:1 ?");
  EXPECT_EQ(r.args_count, 3u);
  EXPECT_EQ(r.connection_id, 42u);
  EXPECT_EQ(r.peer_ip.view(), "127.0.0.1");
  ASSERT_EQ(r.step_count, 5);
  EXPECT_EQ(r.steps[0].step, Step::kRespParse);
  EXPECT_EQ(r.steps[1].step, Step::kDispatch);
  EXPECT_EQ(r.steps[2].step, Step::kIndexLookup);
  EXPECT_EQ(r.steps[3].step, Step::kStorageWrite);
  EXPECT_EQ(r.steps[3].tier, Tier::kMutable);
  EXPECT_EQ(r.steps[4].step, Step::kExecute);
  EXPECT_EQ(r.storage_op, Step::kStorageWrite);
  EXPECT_TRUE(r.has_epoch);
  EXPECT_EQ(r.epoch, 7u);
  EXPECT_LE(r.start_ns, r.steps[0].begin_ns);
  EXPECT_LE(r.steps[4].end_ns, r.end_ns);
  EXPECT_LE(r.steps[2].begin_ns, r.steps[3].begin_ns);
}

TEST_F(RecordingTest, UnsampledParentRecordsNothing) {
  CommandTrace t;
  auto parent = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_FALSE(t.Start(&*parent));
  t.Stamp(Step::kRespParse);
  EXPECT_FALSE(t.Finish());
  EXPECT_TRUE(sink_.buffers.empty());
}

TEST_F(RecordingTest, FullRingDropsAndCounts) {
  CommandTrace t;
  int accepted = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(t.Start());
    accepted += t.Finish();
  }
  ASSERT_EQ(sink_.buffers.size(), 1u);
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(sink_.buffers[0]->dropped.load(), 6u);
  // Draining makes room again.
  CommandRecord r;
  while (sink_.buffers[0]->commands.TryPop(&r)) {
  }
  ASSERT_TRUE(t.Start());
  EXPECT_TRUE(t.Finish());
}

TEST_F(RecordingTest, ClosedBufferReregisters) {
  CommandTrace t;
  ASSERT_TRUE(t.Start());
  ASSERT_TRUE(t.Finish());
  sink_.buffers[0]->closed.store(true);
  ASSERT_TRUE(t.Start());
  ASSERT_TRUE(t.Finish());
  EXPECT_EQ(sink_.buffers.size(), 2u);
}

TEST_F(RecordingTest, ThreadExitRetiresBuffer) {
  std::thread([] {
    ScopedSpan s(semconv::kSpanPageFlush);
    s.SetInt(semconv::kStorageBytes, 4096);
  }).join();
  ASSERT_EQ(sink_.buffers.size(), 1u);
  EXPECT_TRUE(sink_.buffers[0]->retired.load());
  SpanRecord r;
  ASSERT_TRUE(sink_.buffers[0]->spans.TryPop(&r));
  EXPECT_EQ(std::string_view(r.name, r.name_len), semconv::kSpanPageFlush);
  ASSERT_EQ(r.attr_count, 1);
  EXPECT_EQ(r.attrs[0].i, 4096);
}

TEST_F(RecordingTest, ScopedSpanChildJoinsParentTrace) {
  SpanContext parent_ctx;
  {
    ScopedSpan parent(semconv::kSpanCheckpoint);
    parent_ctx = parent.context();
    ScopedSpan child(semconv::kSpanPageFlush, &parent_ctx);
    child.SetError("disk full");
    for (int i = 0; i < 10; ++i) child.SetBool(semconv::kStorageCacheHit, true);
  }
  SpanRecord child, parent;
  ASSERT_TRUE(sink_.buffers[0]->spans.TryPop(&child));
  ASSERT_TRUE(sink_.buffers[0]->spans.TryPop(&parent));
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(child.parent_span_id, parent.span_id);
  EXPECT_FALSE(parent.parent_span_id.IsValid());
  EXPECT_TRUE(child.is_error);
  EXPECT_EQ(child.attr_count, SpanRecord::kMaxAttrs);
  EXPECT_EQ(child.attrs_dropped, 2);
}

TEST_F(RecordingTest, CommandDetailSkipsSteps) {
  TraceSettings s;
  s.enabled = true;
  s.detail = SpanDetail::kCommand;
  InstallTraceSettings(s);
  CommandTrace t;
  ASSERT_TRUE(t.Start());
  t.Stamp(Step::kRespParse);
  {
    ActiveTraceScope active(t);
    StepScope read(Step::kStorageRead);
  }
  ASSERT_TRUE(t.Finish());
  CommandRecord r;
  ASSERT_TRUE(sink_.buffers[0]->commands.TryPop(&r));
  EXPECT_EQ(r.step_count, 0);
}

// PrepareNext decides root sampling on the trace id it draws, and Start keeps that decision
// and that id: a command PrepareNext refused (0, no clock read) is one Start would refuse.
TEST_F(RecordingTest, PrepareNextAgreesWithStart) {
  TraceSettings s;
  s.enabled = true;
  s.sampler = Sampler::Make(SamplerKind::kParentBasedTraceIdRatio, 0.5);
  InstallTraceSettings(s);
  CommandTrace t;
  int sampled = 0;
  CommandRecord r;
  for (int i = 0; i < 400; ++i) {
    int64_t t0 = t.PrepareNext(false);
    if (t0 == 0) continue;  // not started at all, as the connection does
    ASSERT_TRUE(t.Start(nullptr, t0)) << "PrepareNext promised a sampled command";
    EXPECT_EQ(t.record().start_ns, t0);
    EXPECT_TRUE(RatioSample(s.sampler, t.record().trace_id));
    ASSERT_TRUE(t.Finish());
    ++sampled;
    while (sink_.buffers[0]->commands.TryPop(&r)) {
    }
  }
  EXPECT_GT(sampled, 120);  // about 200 expected; far from 0 and 400
  EXPECT_LT(sampled, 280);
}

TEST_F(RecordingTest, PrepareNextReadsTheClockWhenAParentMayComeUntilStart) {
  TraceSettings s;
  s.enabled = true;
  s.sampler = Sampler::Make(SamplerKind::kParentBasedAlwaysOff, 1.0);
  InstallTraceSettings(s);
  CommandTrace t;
  EXPECT_EQ(t.PrepareNext(false), 0);  // root commands are never sampled
  EXPECT_NE(t.PrepareNext(true), 0);   // a RESP3 attribute ahead: parsed on its own...
  int64_t t0 = t.PrepareNext(false);   // ...then its command, which may have a parent
  EXPECT_NE(t0, 0);
  auto parent = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(t.Start(&*parent, t0));
  ASSERT_TRUE(t.Finish());
  EXPECT_EQ(t.PrepareNext(false), 0);  // Start consumed it
}

// The ring copies only the used parts of a record; what the exporter pops must still be whole,
// also after a slot held a longer record before.
TEST_F(RecordingTest, RingCopyKeepsEveryUsedField) {
  CommandTrace t;
  std::string long_error = "ERR " + std::string(116, 'e');
  ASSERT_TRUE(t.Start());
  t.SetError(long_error);
  ASSERT_TRUE(t.Finish());
  auto parent = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(parent->trace_state.Assign("a=1,b=2"));
  parent->remote = true;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(t.Start(&*parent));
    t.SetResult("OK");
    t.SetClient(7, 3, "10.1.2.3", 6000);
    ASSERT_TRUE(t.Finish());
  }
  CommandRecord r;
  ASSERT_TRUE(sink_.buffers[0]->commands.TryPop(&r));
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.error.view(), long_error);
  EXPECT_EQ(r.result.view(), "ERR");
  ASSERT_TRUE(sink_.buffers[0]->commands.TryPop(&r));
  EXPECT_FALSE(r.is_error);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.result.view(), "OK");
  EXPECT_TRUE(r.has_parent);
  EXPECT_TRUE(r.parent.remote);
  EXPECT_EQ(r.parent.span_id, parent->span_id);
  EXPECT_EQ(r.parent.trace_state.view(), "a=1,b=2");
  EXPECT_EQ(r.peer_ip.view(), "10.1.2.3");
  EXPECT_EQ(r.db_index, 3);
  EXPECT_EQ(r.connection_id, 7u);
}

#else
// Built without otel: the classes are empty no-ops.
static_assert(std::is_empty_v<CommandTrace> && std::is_empty_v<ScopedSpan>);
static_assert(!Available());
#endif  // FERRITE_OTEL

TEST(Recording, DisabledDoesNotSample) {
  InstallTraceSettings(TraceSettings{});
  CommandTrace t;
  EXPECT_FALSE(t.Start());
  ScopedSpan s(semconv::kSpanAofRewrite);
  EXPECT_FALSE(s.sampled());
}

}  // namespace
}  // namespace ferrite::telemetry
