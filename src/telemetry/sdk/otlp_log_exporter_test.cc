// The OTLP logs pipeline: record -> LogRecord mapping, the protobuf / JSON encodings (decoded
// back with the wire reader), batching, the bounded queue, and the export counters.

#include "telemetry/sdk/otlp_log_exporter.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "telemetry/export/proto_wire.h"

namespace ferrite::telemetry {
namespace {

using wire::ProtoReader;

log::Record MakeRecord(log::Level level, std::string message, bool traced) {
  log::Record r;
  r.level = level;
  r.timestamp_us = 1'752'575'400'123'456;
  r.target = "ferrite::commands::strings";
  r.message = std::move(message);
  r.fields.push_back({"command", std::string("SET")});
  r.fields.push_back({"key", std::string("user:\xff")});
  r.fields.push_back({"duration_us", int64_t{45}});
  r.fields.push_back({"big", uint64_t{18'000'000'000'000'000'000ull}});
  r.fields.push_back({"ratio", 0.5});
  r.fields.push_back({"slow", true});
  if (traced) {
    for (int i = 0; i < 16; ++i) r.trace.trace_id[i] = uint8_t(i + 1);
    for (int i = 0; i < 8; ++i) r.trace.span_id[i] = uint8_t(0xb0 + i);
    r.trace.flags = 1;
  }
  return r;
}

TEST(LogRecordMappingTest, SeverityFollowsTheDataModel) {
  EXPECT_EQ(SeverityFor(log::Level::kTrace), SeverityNumber::kTrace);
  EXPECT_EQ(int(SeverityFor(log::Level::kDebug)), 5);
  EXPECT_EQ(int(SeverityFor(log::Level::kInfo)), 9);
  EXPECT_EQ(int(SeverityFor(log::Level::kWarn)), 13);
  EXPECT_EQ(int(SeverityFor(log::Level::kError)), 17);
}

TEST(LogRecordMappingTest, FieldsTargetAndTrace) {
  LogRecordData d = ToLogRecordData(MakeRecord(log::Level::kWarn, "Command executed", true), 77);
  EXPECT_EQ(d.time_unix_nano, 1'752'575'400'123'456'000ull);
  EXPECT_EQ(d.observed_time_unix_nano, 77u);
  EXPECT_EQ(d.severity_text, "WARN");
  EXPECT_EQ(d.body, "Command executed");
  ASSERT_EQ(d.attributes.size(), 7u);
  EXPECT_EQ(d.attributes[0].key, "command");
  EXPECT_EQ(d.attributes[0].value.s, "SET");
  EXPECT_EQ(d.attributes[1].value.s, "user:\\xff");  // escaped to valid UTF-8
  EXPECT_EQ(d.attributes[2].value.type, AttrType::kInt);
  EXPECT_EQ(d.attributes[2].value.i, 45);
  EXPECT_EQ(d.attributes[3].value.type, AttrType::kString);  // above INT64_MAX
  EXPECT_EQ(d.attributes[3].value.s, "18000000000000000000");
  EXPECT_EQ(d.attributes[4].value.type, AttrType::kDouble);
  EXPECT_EQ(d.attributes[5].value.type, AttrType::kBool);
  EXPECT_EQ(d.attributes[6].key, "code.namespace");
  EXPECT_EQ(d.attributes[6].value.s, "ferrite::commands::strings");
  EXPECT_EQ(d.trace_id.bytes[0], 1);
  EXPECT_EQ(d.span_id.bytes[7], 0xb7);
  EXPECT_EQ(d.flags, 1u);
  LogRecordData untraced = ToLogRecordData(MakeRecord(log::Level::kInfo, "m", false), 1);
  EXPECT_FALSE(untraced.trace_id.IsValid());
  EXPECT_EQ(untraced.flags, 0u);
}

// The fields of one LogRecord message, decoded with the wire reader.
struct DecodedLog {
  uint64_t time = 0, observed = 0, severity = 0, flags = 0;
  std::string severity_text, body, trace_id, span_id;
  std::map<std::string, std::string> string_attrs;
  std::map<std::string, int64_t> int_attrs;
};

DecodedLog DecodeLogRecord(std::string_view bytes) {
  DecodedLog d;
  ProtoReader r(bytes);
  while (r.Next()) {
    switch (r.field()) {
      case 1:
        d.time = r.varint();
        break;
      case 11:
        d.observed = r.varint();
        break;
      case 2:
        d.severity = r.varint();
        break;
      case 3:
        d.severity_text = r.bytes();
        break;
      case 5: {
        ProtoReader any(r.bytes());
        while (any.Next())
          if (any.field() == 1) d.body = any.bytes();
        break;
      }
      case 6: {
        ProtoReader kv(r.bytes());
        std::string key;
        std::string_view value;
        while (kv.Next()) {
          if (kv.field() == 1) key = kv.bytes();
          if (kv.field() == 2) value = kv.bytes();
        }
        ProtoReader any(value);
        while (any.Next()) {
          if (any.field() == 1) d.string_attrs[key] = any.bytes();
          if (any.field() == 3) d.int_attrs[key] = int64_t(any.varint());
        }
        break;
      }
      case 8:
        d.flags = r.varint();
        break;
      case 9:
        d.trace_id = r.bytes();
        break;
      case 10:
        d.span_id = r.bytes();
        break;
    }
  }
  EXPECT_FALSE(r.error());
  return d;
}

// ExportLogsServiceRequest -> the encoded LogRecords, checking the envelope on the way.
std::vector<std::string> RecordsOfRequest(std::string_view body, std::string* service_name) {
  std::vector<std::string> out;
  ProtoReader req(body);
  while (req.Next()) {
    EXPECT_EQ(req.field(), 1u);  // resource_logs
    ProtoReader rl(req.bytes());
    while (rl.Next()) {
      if (rl.field() == 1) {  // Resource
        ProtoReader res(rl.bytes());
        while (res.Next()) {
          ProtoReader kv(res.bytes());
          std::string key;
          std::string_view value;
          while (kv.Next()) {
            if (kv.field() == 1) key = kv.bytes();
            if (kv.field() == 2) value = kv.bytes();
          }
          ProtoReader any(value);
          while (any.Next())
            if (key == "service.name" && any.field() == 1) *service_name = any.bytes();
        }
      } else if (rl.field() == 2) {  // ScopeLogs
        ProtoReader sl(rl.bytes());
        while (sl.Next())
          if (sl.field() == 2) out.emplace_back(sl.bytes());
      }
    }
  }
  return out;
}

TEST(LogEncodingTest, ProtobufRoundTrip) {
  std::string bytes = EncodeLogRecord(
      ToLogRecordData(MakeRecord(log::Level::kError, "boom", true), 99), Encoding::kProtobuf);
  DecodedLog d = DecodeLogRecord(bytes);
  EXPECT_EQ(d.time, 1'752'575'400'123'456'000ull);
  EXPECT_EQ(d.observed, 99u);
  EXPECT_EQ(d.severity, 17u);
  EXPECT_EQ(d.severity_text, "ERROR");
  EXPECT_EQ(d.body, "boom");
  EXPECT_EQ(d.string_attrs["command"], "SET");
  EXPECT_EQ(d.string_attrs["code.namespace"], "ferrite::commands::strings");
  EXPECT_EQ(d.int_attrs["duration_us"], 45);
  ASSERT_EQ(d.trace_id.size(), 16u);
  EXPECT_EQ(d.trace_id[15], 16);
  ASSERT_EQ(d.span_id.size(), 8u);
  EXPECT_EQ(uint8_t(d.span_id[0]), 0xb0);
  EXPECT_EQ(d.flags, 1u);
  // No ids at all outside a trace.
  DecodedLog u = DecodeLogRecord(EncodeLogRecord(
      ToLogRecordData(MakeRecord(log::Level::kInfo, "x", false), 1), Encoding::kProtobuf));
  EXPECT_TRUE(u.trace_id.empty());
  EXPECT_TRUE(u.span_id.empty());
}

TEST(LogEncodingTest, Json) {
  std::string rec = EncodeLogRecord(
      ToLogRecordData(MakeRecord(log::Level::kInfo, "Command executed", true), 5), Encoding::kJson);
  EXPECT_NE(rec.find("\"severityNumber\":9,\"severityText\":\"INFO\""), std::string::npos) << rec;
  EXPECT_NE(rec.find("\"body\":{\"stringValue\":\"Command executed\"}"), std::string::npos);
  EXPECT_NE(rec.find("{\"key\":\"duration_us\",\"value\":{\"intValue\":\"45\"}}"),
            std::string::npos);
  EXPECT_NE(rec.find("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":"
                     "\"b0b1b2b3b4b5b6b7\""),
            std::string::npos)
      << rec;
  ResourceData res;
  res.attributes.push_back(KeyValue::Str("service.name", "ferrite"));
  std::vector<std::string> recs = {rec};
  std::string req = EncodeLogsRequest(res, ScopeData{"ferrite", "1.0", ""}, recs, Encoding::kJson);
  EXPECT_EQ(req.rfind("{\"resourceLogs\":[{\"resource\":{\"attributes\":[", 0), 0u);
  EXPECT_NE(req.find("\"scopeLogs\":[{\"scope\":{\"name\":\"ferrite\",\"version\":\"1.0\"},"
                     "\"logRecords\":[{"),
            std::string::npos);
}

// Records every request; can hold requests until released, or fail them.
class FakeTransport : public Transport {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> bodies;
    bool hold = false;
    bool in_send = false;
    SendResult::Kind result = SendResult::Kind::kSuccess;
  };
  explicit FakeTransport(std::shared_ptr<State> s) : s_(std::move(s)) {}
  SendResult Send(std::string_view body, std::chrono::milliseconds) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->in_send = true;
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return !s_->hold; });
    s_->in_send = false;
    s_->bodies.emplace_back(body);
    SendResult r;
    r.kind = s_->result;
    if (r.kind != SendResult::Kind::kSuccess) r.error = "rejected by the test";
    return r;
  }

 private:
  std::shared_ptr<State> s_;
};

struct ExporterHarness {
  explicit ExporterHarness(TelemetryConfig cfg) : state(std::make_shared<FakeTransport::State>()) {
    ResourceData res;
    res.attributes.push_back(KeyValue::Str("service.name", "ferrite-test"));
    OtlpLogExporter::Options o;
    o.initial_backoff = std::chrono::milliseconds(1);
    o.max_backoff = std::chrono::milliseconds(2);
    o.max_attempts = 2;
    exporter = std::make_shared<OtlpLogExporter>(cfg, res, ScopeData{"ferrite", "t", ""},
                                                 std::make_unique<FakeTransport>(state), o);
  }
  std::vector<std::string> AllRecords() {
    std::lock_guard<std::mutex> lock(state->mu);
    std::vector<std::string> out;
    for (const auto& b : state->bodies) {
      std::string service;
      for (auto& r : RecordsOfRequest(b, &service)) out.push_back(std::move(r));
      EXPECT_EQ(service, "ferrite-test");
    }
    return out;
  }
  std::shared_ptr<FakeTransport::State> state;
  std::shared_ptr<OtlpLogExporter> exporter;
};

TEST(OtlpLogExporterTest, BatchesAndCounts) {
  TelemetryConfig cfg;
  cfg.logs_batch_size = 4;
  cfg.logs_batch_timeout_ms = 60'000;  // only size and flush trigger exports here
  ExporterHarness h(cfg);
  for (int i = 0; i < 10; ++i)
    h.exporter->Write(MakeRecord(log::Level::kInfo, "m" + std::to_string(i), i % 2 == 0));
  ASSERT_TRUE(h.exporter->ForceFlush(std::chrono::seconds(30)));
  std::vector<std::string> recs = h.AllRecords();
  ASSERT_EQ(recs.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    DecodedLog d = DecodeLogRecord(recs[i]);
    EXPECT_EQ(d.body, "m" + std::to_string(i));
    EXPECT_EQ(d.trace_id.empty(), i % 2 != 0);
  }
  {
    std::lock_guard<std::mutex> lock(h.state->mu);
    EXPECT_GE(h.state->bodies.size(), 3u);  // 4 + 4 + 2
  }
  LogExportStats s = h.exporter->Stats();
  EXPECT_EQ(s.exported, 10u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.failed, 0u);
}

TEST(OtlpLogExporterTest, SkipsThePipelinesOwnDiagnostics) {
  ExporterHarness h(TelemetryConfig{});
  log::Record r = MakeRecord(log::Level::kWarn, "export failed", false);
  r.target = "opentelemetry";
  h.exporter->Write(r);
  r.target = "opentelemetry_not_pipeline";
  h.exporter->Write(r);
  ASSERT_TRUE(h.exporter->ForceFlush(std::chrono::seconds(30)));
  std::vector<std::string> recs = h.AllRecords();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(DecodeLogRecord(recs[0]).string_attrs["code.namespace"], "opentelemetry_not_pipeline");
}

TEST(OtlpLogExporterTest, FullQueueDropsInsteadOfBlocking) {
  TelemetryConfig cfg;
  cfg.logs_batch_size = 2;
  cfg.logs_max_queue_size = 8;
  ExporterHarness h(cfg);
  {
    std::lock_guard<std::mutex> lock(h.state->mu);
    h.state->hold = true;
  }
  h.exporter->Write(MakeRecord(log::Level::kInfo, "first", false));
  h.exporter->Write(MakeRecord(log::Level::kInfo, "second", false));
  {
    // The exporter is now stuck in Send() with the first batch.
    std::unique_lock<std::mutex> lock(h.state->mu);
    h.state->cv.wait(lock, [&] { return h.state->in_send; });
  }
  // Writes return although the collector does not answer: 8 fit, the rest are dropped.
  for (int i = 0; i < 100; ++i) h.exporter->Write(MakeRecord(log::Level::kInfo, "flood", false));
  EXPECT_EQ(h.exporter->Stats().dropped, 92u);
  EXPECT_EQ(h.exporter->Stats().queue_length, 8u);
  {
    std::lock_guard<std::mutex> lock(h.state->mu);
    h.state->hold = false;
    h.state->cv.notify_all();
  }
  ASSERT_TRUE(h.exporter->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(h.exporter->Stats().exported, 10u);
  EXPECT_EQ(h.AllRecords().size(), 10u);
}

TEST(OtlpLogExporterTest, RejectedExportsCountAsFailed) {
  ExporterHarness h(TelemetryConfig{});
  h.state->result = SendResult::Kind::kPermanent;
  for (int i = 0; i < 3; ++i) h.exporter->Write(MakeRecord(log::Level::kError, "e", false));
  ASSERT_TRUE(h.exporter->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(h.exporter->Stats().failed, 3u);
  EXPECT_EQ(h.exporter->Stats().exported, 0u);
  // Retryable failures are retried (max_attempts = 2), then counted as failed.
  h.state->result = SendResult::Kind::kRetryable;
  h.exporter->Write(MakeRecord(log::Level::kError, "e", false));
  ASSERT_TRUE(h.exporter->ForceFlush(std::chrono::seconds(30)));
  EXPECT_EQ(h.exporter->Stats().failed, 4u);
  EXPECT_EQ(h.exporter->Stats().export_requests, 3u);
}

TEST(OtlpLogExporterTest, ShutdownExportsWhatIsQueued) {
  TelemetryConfig cfg;
  cfg.logs_batch_timeout_ms = 60'000;
  ExporterHarness h(cfg);
  for (int i = 0; i < 5; ++i) h.exporter->Write(MakeRecord(log::Level::kInfo, "bye", false));
  h.exporter->Shutdown(std::chrono::seconds(30));
  EXPECT_EQ(h.exporter->Stats().exported, 5u);
  h.exporter->Write(MakeRecord(log::Level::kInfo, "late", false));  // after shutdown: dropped
  EXPECT_EQ(h.exporter->Stats().dropped, 1u);
}

}  // namespace
}  // namespace ferrite::telemetry
