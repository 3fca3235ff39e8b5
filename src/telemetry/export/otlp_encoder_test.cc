// Unit tests of the OTLP encoder's wire details. The independent check (a different decoder,
// generated from the official schema) is the Node receiver in tests/otel.

#include "telemetry/export/otlp_encoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <map>

#include "telemetry/export/proto_wire.h"
#include "telemetry/export/transport.h"

namespace ferrite::telemetry {
namespace {

using wire::ProtoReader;
using wire::ProtoWriter;

SpanData Sample() {
  SpanData s;
  for (int i = 0; i < 16; ++i) s.trace_id.bytes[i] = static_cast<uint8_t>(i + 1);
  for (int i = 0; i < 8; ++i) s.span_id.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  s.name = "ferrite.command";
  s.kind = SpanKind::kServer;
  s.start_unix_ns = 1700000000000000000ULL;
  s.end_unix_ns = 1700000000000001000ULL;
  s.attributes.push_back(KeyValue::Str("db.system", "ferrite"));
  s.attributes.push_back(KeyValue::Int("ferrite.command.args_count", -3));
  s.attributes.push_back(KeyValue::Bool("ferrite.storage.cache_hit", false));
  s.attributes.push_back(KeyValue::Double("x", 0.5));
  s.status = StatusCode::kError;
  s.status_message = "ERR boom";
  s.flags = 0x301;
  return s;
}

TEST(OtlpEncoder, SpanProtoFieldsAndWireTypes) {
  std::string bytes = EncodeSpan(Sample(), Encoding::kProtobuf);
  ProtoReader r(bytes);
  std::map<uint32_t, int> seen;
  while (r.Next()) {
    ++seen[r.field()];
    switch (r.field()) {
      case 1:
        EXPECT_EQ(r.type(), wire::kLen);
        EXPECT_EQ(r.bytes().size(), 16u);
        break;
      case 2:
        EXPECT_EQ(r.bytes().size(), 8u);
        break;
      case 4:
        ADD_FAILURE() << "root span must not carry parent_span_id";
        break;
      case 5:
        EXPECT_EQ(r.bytes(), "ferrite.command");
        break;
      case 6:
        EXPECT_EQ(r.type(), wire::kVarint);
        EXPECT_EQ(r.varint(), 2u);
        break;
      case 7:
      case 8:
        EXPECT_EQ(r.type(), wire::kI64);  // fixed64
        break;
      case 15: {
        ProtoReader st(r.bytes());
        std::map<uint32_t, std::string> f;
        while (st.Next())
          f[st.field()] =
              st.type() == wire::kLen ? std::string(st.bytes()) : std::to_string(st.varint());
        EXPECT_EQ(f[2], "ERR boom");
        EXPECT_EQ(f[3], "2");
        break;
      }
      case 16:
        EXPECT_EQ(r.type(), wire::kI32);  // fixed32
        EXPECT_EQ(r.varint(), 0x301u);
        break;
    }
  }
  EXPECT_FALSE(r.error());
  EXPECT_EQ(seen[9], 4);  // attributes
  EXPECT_EQ(seen[3], 0);  // empty trace_state omitted
}

TEST(OtlpEncoder, AnyValueEncodings) {
  std::string bytes = EncodeSpan(Sample(), Encoding::kProtobuf);
  ProtoReader r(bytes);
  std::vector<std::pair<uint32_t, uint64_t>> values;  // AnyValue field, raw value
  while (r.Next()) {
    if (r.field() != 9) continue;
    ProtoReader kv(r.bytes());
    while (kv.Next()) {
      if (kv.field() != 2) continue;
      ProtoReader any(kv.bytes());
      ASSERT_TRUE(any.Next());
      values.emplace_back(any.field(),
                          any.type() == wire::kLen ? any.bytes().size() : any.varint());
    }
  }
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0], std::make_pair(1u, uint64_t{7}));  // string "ferrite"
  EXPECT_EQ(values[1].first, 3u);                         // int_value varint
  EXPECT_EQ(static_cast<int64_t>(values[1].second), -3);  // 10-byte two's complement varint
  EXPECT_EQ(values[2], std::make_pair(2u, uint64_t{0}));  // bool false is still present (oneof)
  EXPECT_EQ(values[3].first, 4u);                         // double
}

// Nested lengths are written in place; bodies of 128 bytes and more need a longer varint, so
// the body moves. Every size must come out canonical and readable.
TEST(ProtoWriter, NestedLengthsOfEverySize) {
  for (size_t reserve : {1, 2}) {
    for (size_t size : {0, 1, 127, 128, 300, 16383, 16384, 70000}) {
      std::string out;
      ProtoWriter w(&out);
      w.Varint(1, 5);
      size_t m = w.Begin(2, reserve);
      w.Raw(std::string(size, 'x'));
      w.End(m, reserve);
      w.Varint(3, 9);
      EXPECT_EQ(out.size(), 2 + 1 + wire::VarintSize(size) + size + 2) << size;
      ProtoReader r(out);
      ASSERT_TRUE(r.Next());
      EXPECT_EQ(r.varint(), 5u);
      ASSERT_TRUE(r.Next());
      EXPECT_EQ(r.field(), 2u);
      EXPECT_EQ(r.bytes(), std::string(size, 'x'));
      ASSERT_TRUE(r.Next());
      EXPECT_EQ(r.varint(), 9u);
      EXPECT_FALSE(r.Next());
      EXPECT_FALSE(r.error());
    }
  }
}

TEST(OtlpEncoder, RequestEncoderMatchesJoinedSpans) {
  ResourceData res;
  res.attributes.push_back(KeyValue::Str("service.name", "ferrite"));
  res.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  ScopeData scope{"ferrite", "0.1.0", res.schema_url};
  std::vector<std::string> spans = {EncodeSpan(Sample(), Encoding::kProtobuf),
                                    EncodeSpan(Sample(), Encoding::kProtobuf)};
  for (Encoding enc : {Encoding::kProtobuf, Encoding::kJson}) {
    if (enc == Encoding::kJson)
      spans = {EncodeSpan(Sample(), Encoding::kJson), EncodeSpan(Sample(), Encoding::kJson)};
    TraceRequestEncoder encoder(res, scope, enc);
    std::string joined, request;
    std::vector<AttrView> attrs;
    SpanData d = Sample();
    for (const KeyValue& kv : d.attributes)
      attrs.push_back({kv.key, kv.value.type, kv.value.s, kv.value.i, kv.value.d, kv.value.b});
    SpanView v;
    v.trace_id = d.trace_id;
    v.span_id = d.span_id;
    v.name = d.name;
    v.kind = d.kind;
    v.start_unix_ns = d.start_unix_ns;
    v.end_unix_ns = d.end_unix_ns;
    v.attributes = attrs.data();
    v.attribute_count = attrs.size();
    v.status = d.status;
    v.status_message = d.status_message;
    v.flags = d.flags;
    encoder.AppendSpan(v, &joined);
    encoder.AppendSpan(v, &joined);
    encoder.Finish(joined, &request);
    EXPECT_EQ(request, EncodeTraceRequest(res, scope, spans, enc));
  }
}

TEST(OtlpEncoder, RequestEnvelope) {
  ResourceData res;
  res.attributes.push_back(KeyValue::Str("service.name", "ferrite"));
  res.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  ScopeData scope{"ferrite", "0.1.0", "https://opentelemetry.io/schemas/1.24.0"};
  std::vector<std::string> spans = {EncodeSpan(Sample(), Encoding::kProtobuf),
                                    EncodeSpan(Sample(), Encoding::kProtobuf)};
  std::string req = EncodeTraceRequest(res, scope, spans, Encoding::kProtobuf);
  ProtoReader top(req);
  ASSERT_TRUE(top.Next());
  EXPECT_EQ(top.field(), 1u);
  ProtoReader rs(top.bytes());
  int scope_spans = 0, span_count = 0;
  std::string schema;
  while (rs.Next()) {
    if (rs.field() == 2) {
      ++scope_spans;
      ProtoReader ss(rs.bytes());
      while (ss.Next()) {
        if (ss.field() == 2) {
          ++span_count;
          EXPECT_EQ(ss.bytes(), spans[0]);
        }
      }
    }
    if (rs.field() == 3) schema = rs.bytes();
  }
  EXPECT_EQ(scope_spans, 1);
  EXPECT_EQ(span_count, 2);
  EXPECT_EQ(schema, res.schema_url);
  EXPECT_FALSE(top.Next());
}

TEST(OtlpEncoder, JsonMapping) {
  SpanData s = Sample();
  for (int i = 0; i < 8; ++i) s.parent_span_id.bytes[i] = 0xff;
  s.attributes.push_back(KeyValue::Str("quote", "a\"b\\c\n"));
  std::string j = EncodeSpan(s, Encoding::kJson);
  EXPECT_NE(j.find("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"parentSpanId\":\"ffffffffffffffff\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"kind\":2"), std::string::npos);
  EXPECT_NE(j.find("\"startTimeUnixNano\":\"1700000000000000000\""), std::string::npos);
  EXPECT_NE(j.find("{\"intValue\":\"-3\"}"), std::string::npos);
  EXPECT_NE(j.find("{\"boolValue\":false}"), std::string::npos);
  EXPECT_NE(j.find("\"status\":{\"message\":\"ERR boom\",\"code\":2}"), std::string::npos);
  EXPECT_NE(j.find("\"flags\":769"), std::string::npos);
  EXPECT_NE(j.find("\"a\\\"b\\\\c\\n\""), std::string::npos) << j;
}

TEST(OtlpEncoder, DecodesPartialSuccess) {
  std::string body;
  ProtoWriter w(&body);
  size_t m = w.Begin(1);
  w.Varint(1, 3);
  w.Bytes(2, "3 spans too old");
  w.End(m);
  PartialSuccess ps = DecodeExportResponse(body, Encoding::kProtobuf);
  EXPECT_EQ(ps.rejected, 3);
  EXPECT_EQ(ps.error_message, "3 spans too old");
  EXPECT_FALSE(DecodeExportResponse("", Encoding::kProtobuf).present());
  PartialSuccess pj = DecodeExportResponse(
      R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad"}})", Encoding::kJson);
  EXPECT_EQ(pj.rejected, 2);
  EXPECT_EQ(pj.error_message, "bad");
}

TEST(OtlpEncoder, RetryInfoFromStatusDetails) {
  std::string duration, info, any, status;
  ProtoWriter(&duration).Varint(1, 2);
  ProtoWriter(&duration).Varint(2, 500'000'000);
  ProtoWriter(&info).Bytes(1, duration);
  ProtoWriter(&any).Bytes(1, "type.googleapis.com/google.rpc.RetryInfo");
  ProtoWriter(&any).Bytes(2, info);
  ProtoWriter sw(&status);
  sw.Varint(1, 14);
  sw.Bytes(2, "try later");
  sw.Bytes(3, any);
  auto d = RetryDelayFromStatus(status);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->count(), 2500);
  EXPECT_EQ(StatusMessage(status, Encoding::kProtobuf), "try later");
  EXPECT_FALSE(RetryDelayFromStatus(""));
}

TEST(Transport, GzipRoundTrip) {
  std::string in;
  for (int i = 0; i < 1000; ++i) in += "ferrite.command ";
  std::string gz = GzipCompress(in);
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(gz[1]), 0x8b);
  EXPECT_LT(gz.size(), in.size() / 10);
  std::string out(in.size(), '\0');
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  inflateEnd(&zs);
  EXPECT_EQ(out, in);
}

TEST(Transport, RetryAfterForms) {
  EXPECT_EQ(ParseRetryAfter("3")->count(), 3000);
  EXPECT_EQ(ParseRetryAfter(" 0 ")->count(), 0);
  EXPECT_FALSE(ParseRetryAfter(""));
  EXPECT_FALSE(ParseRetryAfter("soon"));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT")->count(), 0);  // in the past
  auto future = ParseRetryAfter("Fri, 31 Dec 2100 23:59:59 GMT");
  ASSERT_TRUE(future);
  EXPECT_GT(future->count(), 1000LL * 3600 * 24 * 365);
}

}  // namespace
}  // namespace ferrite::telemetry
