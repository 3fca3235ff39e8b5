// W3C Trace Context conformance, ported from the cases of w3c/trace-context's test harness
// (test/test.py, TraceContextTest and STRICT_LEVEL=2). Where the harness checks that the vendor
// "restarts the trace" we check that ParseTraceparent rejects the value; where it checks that
// tracestate is "discarded" we check that ValidateTracestate rejects it.

#include "telemetry/api/trace_context.h"

#include <gtest/gtest.h>

#include <string>

namespace ferrite::telemetry {
namespace {

constexpr const char* kTid = "12345678901234567890123456789012";
constexpr const char* kPid = "1234567890123456";

std::string Tp(std::string version, std::string tid, std::string pid, std::string flags) {
  return version + "-" + tid + "-" + pid + "-" + flags;
}

bool Valid(const std::string& tp) { return ParseTraceparent(tp).has_value(); }

TEST(Traceparent, ParsesVersion00) {
  auto ctx = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(ctx);
  EXPECT_TRUE(ctx->sampled());
  EXPECT_TRUE(ctx->remote);
  EXPECT_EQ(ctx->trace_id.bytes[0], 0x0a);
  EXPECT_EQ(ctx->trace_id.bytes[15], 0x9c);
  EXPECT_EQ(ctx->span_id.bytes[0], 0xb7);
  EXPECT_EQ(ctx->span_id.bytes[7], 0x31);
  char out[55];
  FormatTraceparent(ctx->trace_id, ctx->span_id, ctx->trace_flags, out);
  EXPECT_EQ(std::string(out, 55), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  auto unsampled = ParseTraceparent(Tp("00", kTid, kPid, "00"));
  ASSERT_TRUE(unsampled);
  EXPECT_FALSE(unsampled->sampled());
}

TEST(Traceparent, Version00RejectsTrailingData) {
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "01.")));
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "01-what-the-future-will-be-like")));
}

TEST(Traceparent, FutureVersionIsForwardCompatible) {
  EXPECT_TRUE(Valid(Tp("cc", kTid, kPid, "01")));
  EXPECT_TRUE(Valid(Tp("cc", kTid, kPid, "01-what-the-future-will-be-like")));
  EXPECT_FALSE(Valid(Tp("cc", kTid, kPid, "01.what-the-future-will-be-like")));
}

TEST(Traceparent, VersionFfAndIllegalVersions) {
  EXPECT_FALSE(Valid(Tp("ff", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp(".0", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp("0.", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp("000", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp("0000", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp("0", kTid, kPid, "01")));
  EXPECT_FALSE(Valid(Tp("0A", kTid, kPid, "01")));
}

TEST(Traceparent, TraceIdRules) {
  EXPECT_FALSE(Valid(Tp("00", "00000000000000000000000000000000", kPid, "01")));
  EXPECT_FALSE(Valid(Tp("00", ".2345678901234567890123456789012", kPid, "01")));
  EXPECT_FALSE(Valid(Tp("00", "1234567890123456789012345678901.", kPid, "01")));
  EXPECT_FALSE(Valid(Tp("00", "ABCDEF78901234567890123456789012", kPid, "01")));  // uppercase
  EXPECT_FALSE(Valid(Tp("00", "123456789012345678901234567890123", kPid, "01")));
  EXPECT_FALSE(Valid(Tp("00", "1234567890123456789012345678901", kPid, "01")));
  EXPECT_FALSE(Valid(Tp("00", "1234567890123456789012345678901g", kPid, "01")));
}

TEST(Traceparent, ParentIdRules) {
  EXPECT_FALSE(Valid(Tp("00", kTid, "0000000000000000", "01")));
  EXPECT_FALSE(Valid(Tp("00", kTid, ".123456789012345", "01")));
  EXPECT_FALSE(Valid(Tp("00", kTid, "123456789012345.", "01")));
  EXPECT_FALSE(Valid(Tp("00", kTid, "ABCDEF7890123456", "01")));
  EXPECT_FALSE(Valid(Tp("00", kTid, "12345678901234567", "01")));
  EXPECT_FALSE(Valid(Tp("00", kTid, "123456789012345", "01")));
}

TEST(Traceparent, TraceFlagsRules) {
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, ".0")));
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "0.")));
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "001")));
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "0")));
  EXPECT_FALSE(Valid(Tp("00", kTid, kPid, "0A")));
  // Each bit is tested individually; the random flag (Level 2) survives, unknown bits do not.
  auto r = ParseTraceparent(Tp("00", kTid, kPid, "03"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->trace_flags, kTraceFlagSampled | kTraceFlagRandom);
  auto unknown = ParseTraceparent(Tp("00", kTid, kPid, "f0"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->trace_flags, 0);
}

TEST(Traceparent, OwsHandling) {
  std::string base = Tp("00", kTid, kPid, "01");
  EXPECT_TRUE(Valid(" " + base));
  EXPECT_TRUE(Valid("\t" + base));
  EXPECT_TRUE(Valid(base + " "));
  EXPECT_TRUE(Valid(base + "\t"));
  EXPECT_TRUE(Valid("\t " + base + " \t"));
}

TEST(Traceparent, DuplicatedHeaderCombinedIsInvalid) {
  // Two traceparent headers folded into one field value: the harness expects a restart.
  std::string a = Tp("00", kTid, kPid, "01");
  std::string b = Tp("00", "12345678901234567890123456789011", "1234567890123455", "01");
  EXPECT_FALSE(Valid(a + "," + b));
  EXPECT_FALSE(Valid(""));
}

TEST(Tracestate, EmptyAndOws) {
  EXPECT_TRUE(ValidateTracestate(""));
  EXPECT_TRUE(ValidateTracestate("foo=1,"));
  EXPECT_TRUE(ValidateTracestate(",foo=1"));
  EXPECT_TRUE(ValidateTracestate("foo=1 \t , \t bar=2"));
  TraceState ts;
  ASSERT_TRUE(ts.Assign(" foo=1 \t , \t bar=2 ,, "));
  EXPECT_EQ(ts.view(), "foo=1,bar=2");
}

TEST(Tracestate, AllAllowedCharacters) {
  std::string value;
  for (int c = 0x20; c <= 0x7e; ++c)
    if (c != ',' && c != '=') value.push_back(static_cast<char>(c));
  // The value may not end with a space; this one ends with '~'.
  EXPECT_TRUE(ValidateTracestate("abcdefghijklmnopqrstuvwxyz0123456789_-*/=" + value));
  EXPECT_TRUE(ValidateTracestate("abcdefghijklmnopqrstuvwxyz0123456789_-*/@a-z0-9_-*/=" + value));
}

TEST(Tracestate, DuplicatedKeysDiscardTheHeader) {
  EXPECT_FALSE(ValidateTracestate("foo=1,foo=1"));
  EXPECT_FALSE(ValidateTracestate("foo=1,foo=2"));
  TraceState ts;
  EXPECT_FALSE(ts.Assign("foo=1,foo=2"));
  EXPECT_TRUE(ts.empty());
}

TEST(Tracestate, KeyIllegalCharacters) {
  EXPECT_FALSE(ValidateTracestate("foo =1"));
  EXPECT_FALSE(ValidateTracestate("FOO=1"));
  EXPECT_FALSE(ValidateTracestate("foo.bar=1"));
  EXPECT_FALSE(ValidateTracestate("@foo=1"));
  EXPECT_FALSE(ValidateTracestate("=1"));
  EXPECT_FALSE(ValidateTracestate("foo"));
}

TEST(Tracestate, VendorFormats) {
  EXPECT_TRUE(ValidateTracestate("foo@=1,bar=2"));
  EXPECT_TRUE(ValidateTracestate("foo@@bar=1,bar=2"));
  EXPECT_TRUE(ValidateTracestate("t@vvvvvvvvvvvvvvv=1"));
  EXPECT_TRUE(ValidateTracestate(std::string(241, 't') + "@" + std::string(14, 'v') + "=1"));
}

TEST(Tracestate, MemberCountLimit) {
  std::string ok, over;
  for (int i = 0; i < 32; ++i) ok += (i ? "," : "") + std::string("bar") + std::to_string(i) + "=1";
  over = ok + ",bar32=1";
  EXPECT_TRUE(ValidateTracestate(ok));
  EXPECT_FALSE(ValidateTracestate(over));
}

TEST(Tracestate, KeyLengthLimit) {
  EXPECT_TRUE(ValidateTracestate(std::string(256, 'z') + "=1"));
  EXPECT_FALSE(ValidateTracestate(std::string(257, 'z') + "=1"));
}

TEST(Tracestate, ValueIllegalCharacters) {
  EXPECT_FALSE(ValidateTracestate("foo=bar=baz"));
  EXPECT_FALSE(ValidateTracestate("foo=,bar=3"));
  EXPECT_FALSE(ValidateTracestate("foo=b\x7fr"));
  EXPECT_TRUE(ValidateTracestate("foo=bar \t"));  // trailing OWS, not part of the value
  EXPECT_FALSE(ValidateTracestate(std::string("foo=b\x01r")));
  EXPECT_FALSE(ValidateTracestate("foo=" + std::string(257, 'v')));
  EXPECT_TRUE(ValidateTracestate("foo=" + std::string(256, 'v')));
}

TEST(Tracestate, LongHeadersAreTruncatedEntryWise) {
  // At least 512 characters are propagated; beyond that whole entries are dropped from the end.
  std::string h;
  for (int i = 0; i < 20; ++i)
    h += (i ? "," : "") + std::string("k") + std::to_string(i) + "=" + std::string(40, 'v');
  TraceState ts;
  ASSERT_TRUE(ts.Assign(h));
  EXPECT_LE(ts.view().size(), TraceState::kCapacity);
  EXPECT_GE(ts.view().size(), 450u);
  EXPECT_EQ(ts.view(), h.substr(0, ts.view().size()));
  EXPECT_TRUE(ValidateTracestate(ts.view()));
}

}  // namespace
}  // namespace ferrite::telemetry
