#include "storage/traced_session.h"

#include <gtest/gtest.h>

#include "storage/memory_store.h"
#include "telemetry/api/command_trace.h"

namespace ferrite::storage {
namespace {

#if FERRITE_OTEL

class TracedSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    telemetry::TraceSettings s;
    s.enabled = true;
    s.sampler = telemetry::Sampler::Make(telemetry::SamplerKind::kAlwaysOn, 1.0);
    telemetry::InstallTraceSettings(s);
  }
  void TearDown() override { telemetry::InstallTraceSettings(telemetry::TraceSettings{}); }

  std::unique_ptr<Store> store_ = NewMemoryStore(16);
  std::unique_ptr<StoreSession> session_ = NewTracedSession(store_->NewSession());
};

TEST_F(TracedSessionTest, SampledCommandRecordsReadAndWriteSteps) {
  telemetry::CommandTrace trace;
  ASSERT_TRUE(trace.Start());
  {
    telemetry::ActiveTraceScope active(trace);
    RecordBuilder b;
    b.value = "hello";
    ASSERT_TRUE(session_->Upsert(0, "k", b).ok());
    std::string got;
    ASSERT_TRUE(session_->Read(0, "k", [&](const RecordView& r) { got = r.value; }).ok());
    EXPECT_EQ(got, "hello");
    EXPECT_TRUE(session_->Read(0, "absent", [](const RecordView&) {}).IsNotFound());
  }
  const telemetry::CommandRecord& r = trace.record();
  ASSERT_EQ(r.step_count, 3);
  EXPECT_EQ(r.steps[0].step, telemetry::Step::kStorageWrite);
  EXPECT_EQ(r.steps[0].tier, telemetry::Tier::kMutable);
  EXPECT_EQ(r.steps[0].bytes, 5u);
  EXPECT_EQ(r.steps[1].step, telemetry::Step::kStorageRead);
  EXPECT_EQ(r.steps[1].cache_hit, 1);
  EXPECT_EQ(r.steps[1].bytes, 5u);
  EXPECT_EQ(r.steps[2].step, telemetry::Step::kStorageRead);
  EXPECT_EQ(r.steps[2].cache_hit, 0);  // a miss
  // The command-level attributes follow the last storage step.
  EXPECT_EQ(r.storage_op, telemetry::Step::kStorageRead);
}

TEST_F(TracedSessionTest, UnsampledOrInactiveCommandsRecordNothing) {
  telemetry::CommandTrace trace;
  RecordBuilder b;
  b.value = "v";
  ASSERT_TRUE(session_->Upsert(0, "k", b).ok());                // no active trace at all
  telemetry::InstallTraceSettings(telemetry::TraceSettings{});  // tracing off
  EXPECT_FALSE(trace.Start());
  {
    telemetry::ActiveTraceScope active(trace);
    ASSERT_TRUE(session_->Read(0, "k", [](const RecordView&) {}).ok());
  }
  EXPECT_EQ(trace.record().step_count, 0);
}

#endif  // FERRITE_OTEL

TEST(TracedSessionForwardingTest, EveryCallReachesTheInnerSession) {
  auto store = NewMemoryStore(4);
  auto session = NewTracedSession(store->NewSession());
  RecordBuilder b;
  b.value = "1";
  ASSERT_TRUE(session->Upsert(2, "a", b).ok());
  EXPECT_EQ(store->KeyCount(2), 1u);
  EXPECT_EQ(session->RandomKey(2).value(), "a");
  size_t seen = 0;
  EXPECT_EQ(session->Scan(2, 0, 10, [&](std::string_view, const RecordView&) { ++seen; }), 0u);
  EXPECT_EQ(seen, 1u);
  EXPECT_TRUE(session->Delete(2, "a").ok());
  EXPECT_EQ(store->KeyCount(2), 0u);
}

}  // namespace
}  // namespace ferrite::storage
