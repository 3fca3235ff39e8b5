#include "telemetry/sdk/span_builder.h"

#include <gtest/gtest.h>

#include <map>

#include "telemetry/api/command_trace.h"

namespace ferrite::telemetry {
namespace {

std::map<std::string, AttrValue> Attrs(const SpanData& s) {
  std::map<std::string, AttrValue> m;
  for (const auto& kv : s.attributes) m[kv.key] = kv.value;
  return m;
}

CommandRecord MakeRecord() {
  CommandRecord r{};
  r.trace_id.bytes[15] = 1;
  r.span_id.bytes[7] = 1;
  r.trace_flags = 1;
  r.start_ns = 1000;
  r.end_ns = 9000;
  r.command.Assign("GET");
  r.key.Assign(std::string_view("user:\xff", 6));
  r.statement.Assign("GET \"user:\\xff\"");
  r.result.Assign("NIL");
  r.args_count = 2;
  r.peer_ip.Assign("10.0.0.1");
  r.peer_port = 54321;
  r.db_index = 0;
  r.connection_id = 42;
  auto step = [&](Step s, int64_t b, int64_t e, Tier t = Tier::kNone, int hit = -1) {
    r.steps[r.step_count++] = StepRecord{b, e, 0, s, t, static_cast<int8_t>(hit)};
  };
  step(Step::kRespParse, 1000, 1500);
  step(Step::kDispatch, 1500, 2000);
  step(Step::kIndexLookup, 2100, 2500);
  step(Step::kStorageRead, 2500, 3000, Tier::kMutable, 0);
  step(Step::kStorageRead, 3000, 4000, Tier::kReadOnly, 1);
  step(Step::kExecute, 2000, 5000);
  step(Step::kResponseSerialize, 5000, 6000);
  step(Step::kTcpWrite, 6000, 8000);
  r.storage_op = Step::kStorageRead;
  r.tier = Tier::kReadOnly;
  r.cache_hit = 1;
  r.storage_bytes = 1234;
  return r;
}

TEST(SpanBuilder, HierarchyAndNames) {
  CommandRecord r = MakeRecord();
  std::vector<SpanData> spans;
  BuildCommandSpans(r, semconv::NameScheme::kOld, 1'000'000, &spans);
  ASSERT_EQ(spans.size(), 9u);
  const SpanData& cmd = spans[0];
  EXPECT_EQ(cmd.name, "ferrite.command");
  EXPECT_EQ(cmd.kind, SpanKind::kServer);
  EXPECT_FALSE(cmd.parent_span_id.IsValid());
  EXPECT_EQ(cmd.flags, 0x101u);
  EXPECT_EQ(cmd.start_unix_ns, 1'001'000u);
  std::map<std::string, const SpanData*> by_name;
  SpanId execute;
  for (const auto& s : spans) {
    by_name[s.name] = &s;
    if (s.name == "ferrite.command.execute") execute = s.span_id;
  }
  for (const char* top :
       {"ferrite.resp.parse", "ferrite.command.dispatch", "ferrite.command.execute",
        "ferrite.resp.serialize", "ferrite.net.write"}) {
    ASSERT_TRUE(by_name.count(top)) << top;
    EXPECT_EQ(by_name[top]->parent_span_id, cmd.span_id) << top;
    EXPECT_EQ(by_name[top]->kind, SpanKind::kInternal);
  }
  int reads = 0;
  for (const auto& s : spans) {
    if (s.name == "ferrite.index.lookup" || s.name == "ferrite.storage.read") {
      EXPECT_EQ(s.parent_span_id, execute) << s.name;
    }
    if (s.name == "ferrite.storage.read") {
      auto a = Attrs(s);
      EXPECT_EQ(a["ferrite.storage.operation"].s, "read");
      EXPECT_EQ(a["ferrite.storage.tier"].s, reads == 0 ? "mutable" : "read_only");
      EXPECT_EQ(a["ferrite.storage.cache_hit"].b, reads == 1);
      ++reads;
    }
  }
  EXPECT_EQ(reads, 2);
}

TEST(SpanBuilder, AttributeSchemes) {
  CommandRecord r = MakeRecord();
  std::vector<SpanData> old_spans, new_spans, both;
  BuildCommandSpans(r, semconv::NameScheme::kOld, 0, &old_spans);
  BuildCommandSpans(r, semconv::NameScheme::kNew, 0, &new_spans);
  BuildCommandSpans(r, semconv::NameScheme::kBoth, 0, &both);
  auto o = Attrs(old_spans[0]), n = Attrs(new_spans[0]), b = Attrs(both[0]);
  EXPECT_EQ(o["db.system"].s, "ferrite");
  EXPECT_EQ(o["db.operation"].s, "GET");
  EXPECT_EQ(o["db.statement"].s, "GET \"user:\\xff\"");
  EXPECT_EQ(o["net.peer.ip"].s, "10.0.0.1");
  EXPECT_EQ(o["net.peer.port"].i, 54321);
  EXPECT_EQ(o.count("db.system.name"), 0u);
  EXPECT_EQ(n["db.system.name"].s, "ferrite");
  EXPECT_EQ(n["db.operation.name"].s, "GET");
  EXPECT_EQ(n["db.query.text"].s, "GET \"user:\\xff\"");
  EXPECT_EQ(n["network.peer.address"].s, "10.0.0.1");
  EXPECT_EQ(n["network.peer.port"].i, 54321);
  EXPECT_EQ(n["db.namespace"].s, "0");
  EXPECT_EQ(n.count("db.system"), 0u);
  EXPECT_EQ(b.count("db.system"), 1u);
  EXPECT_EQ(b.count("db.system.name"), 1u);
  for (auto* m : {&o, &n, &b}) {
    EXPECT_EQ((*m)["ferrite.command.name"].s, "GET");
    EXPECT_EQ((*m)["ferrite.command.key"].s, "user:\\xff");  // binary key escaped
    EXPECT_EQ((*m)["ferrite.command.result"].s, "NIL");
    EXPECT_EQ((*m)["ferrite.command.args_count"].i, 2);
    EXPECT_EQ((*m)["ferrite.connection.id"].i, 42);
    EXPECT_EQ((*m)["ferrite.storage.tier"].s, "read_only");
    EXPECT_EQ((*m)["ferrite.storage.bytes"].i, 1234);
  }
}

TEST(SpanBuilder, ErrorAndRemoteParent) {
  CommandRecord r = MakeRecord();
  r.is_error = true;
  r.error.Assign("WRONGTYPE Operation against a key holding the wrong kind of value");
  r.result.Assign("WRONGTYPE");
  r.has_parent = true;
  r.parent = *ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  r.parent.trace_state.Assign("congo=t61rcWkgMzE");
  r.step_count = 0;
  std::vector<SpanData> spans;
  BuildCommandSpans(r, semconv::NameScheme::kNew, 0, &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
  EXPECT_EQ(spans[0].status_message,
            "WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(spans[0].parent_span_id, r.parent.span_id);
  EXPECT_EQ(spans[0].trace_state, "congo=t61rcWkgMzE");
  EXPECT_EQ(spans[0].flags, 0x301u);
  auto a = Attrs(spans[0]);
  EXPECT_EQ(a["db.response.status_code"].s, "WRONGTYPE");
  EXPECT_EQ(a["error.type"].s, "WRONGTYPE");
}

}  // namespace
}  // namespace ferrite::telemetry
