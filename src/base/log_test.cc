#include "base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ferrite::log {
namespace {

constexpr int64_t kSeedTimeUs = 1795613811123456;  // 2026-11-25T13:36:51.123456Z

Record SampleRecord() {
  Record r;
  r.level = Level::kInfo;
  r.timestamp_us = kSeedTimeUs;
  r.target = "ferrite::commands::strings";
  r.message = "Command executed";
  r.fields.push_back({"command", std::string("SET")});
  r.fields.push_back({"key", std::string("user:123")});
  r.fields.push_back({"duration_us", int64_t(45)});
  r.fields.push_back({"result", std::string("OK")});
  r.fields.push_back({"client_addr", std::string("192.168.1.10:54321")});
  return r;
}

TraceContext SeedTrace() {
  // trace 0af7651916cd43dd8448eb211c80319c, span b7ad6b7169203331 (the seed's example)
  TraceContext t;
  const uint8_t trace[16] = {0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd,
                             0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c};
  const uint8_t span[8] = {0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31};
  std::copy(std::begin(trace), std::end(trace), t.trace_id);
  std::copy(std::begin(span), std::end(span), t.span_id);
  t.flags = 1;
  return t;
}

// Collects records; optionally blocks in Write() until released, to fill the queue.
class CaptureSink : public Sink {
 public:
  void Write(const Record& record) override {
    std::unique_lock<std::mutex> lock(mu_);
    gate_cv_.wait(lock, [this] { return open_; });
    records_.push_back(record);
  }
  void Flush() override { ++flushes_; }
  void Reopen() override { ++reopens_; }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    gate_cv_.notify_all();
  }
  std::vector<Record> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  std::atomic<int> flushes_{0};
  std::atomic<int> reopens_{0};

 private:
  std::mutex mu_;
  std::condition_variable gate_cv_;
  bool open_ = true;
  std::vector<Record> records_;
};

std::unique_ptr<Record> MakeRecord(std::string message, Level level = Level::kInfo) {
  auto r = std::make_unique<Record>();
  r->level = level;
  r->timestamp_us = kSeedTimeUs;
  r->target = "ferrite::test";
  r->message = std::move(message);
  return r;
}

TEST(LogFormatTest, TimestampIsRfc3339UtcMillis) {
  EXPECT_EQ(FormatTimestamp(kSeedTimeUs), "2026-11-25T13:36:51.123Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(999), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1000), "1970-01-01T00:00:00.001Z");
}

TEST(LogFormatTest, JsonHasTheSeedShape) {
  Record r = SampleRecord();
  EXPECT_EQ(FormatJson(r),
            R"({"timestamp":"2026-11-25T13:36:51.123Z","level":"INFO",)"
            R"("target":"ferrite::commands::strings","message":"Command executed",)"
            R"("fields":{"command":"SET","key":"user:123","duration_us":45,"result":"OK",)"
            R"("client_addr":"192.168.1.10:54321"}})");
  r.trace = SeedTrace();
  EXPECT_EQ(FormatJson(r),
            R"({"timestamp":"2026-11-25T13:36:51.123Z","level":"INFO",)"
            R"("target":"ferrite::commands::strings","message":"Command executed",)"
            R"("trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331",)"
            R"("fields":{"command":"SET","key":"user:123","duration_us":45,"result":"OK",)"
            R"("client_addr":"192.168.1.10:54321"}})");
}

TEST(LogFormatTest, JsonEscapesEverythingIntoValidText) {
  Record r;
  r.level = Level::kWarn;
  r.timestamp_us = 0;
  r.target = "t";
  r.message = std::string("q\"b\\n\nt\tc\x01 \xC3\xA9 \xFF\xC3", 16);
  r.fields.push_back({"ok", true});
  r.fields.push_back({"ratio", 0.25});
  r.fields.push_back({"big", uint64_t(18446744073709551615ull)});
  r.fields.push_back({"neg", int64_t(-3)});
  r.fields.push_back({"inf", 1.0 / 0.0});
  EXPECT_EQ(FormatJson(r),
            R"({"timestamp":"1970-01-01T00:00:00.000Z","level":"WARN","target":"t",)"
            R"("message":"q\"b\\n\nt\tc\u0001 )"
            "\xC3\xA9"
            R"( \\xff\\xc3","fields":{"ok":true,"ratio":0.25,"big":18446744073709551615,)"
            R"("neg":-3,"inf":"inf"}})");
}

TEST(LogFormatTest, TextLine) {
  Record r = SampleRecord();
  r.fields.push_back({"note", std::string("two words")});
  EXPECT_EQ(FormatText(r),
            "2026-11-25T13:36:51.123Z  INFO ferrite::commands::strings: Command executed "
            "command=SET key=user:123 duration_us=45 result=OK client_addr=192.168.1.10:54321 "
            "note=\"two words\"");
  r.fields.clear();
  r.level = Level::kError;
  r.trace = SeedTrace();
  EXPECT_EQ(FormatText(r),
            "2026-11-25T13:36:51.123Z ERROR ferrite::commands::strings: Command executed "
            "trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331");
}

TEST(LogFormatTest, MessageFormatting) {
  EXPECT_EQ(internal::FormatMessage("listening on {}:{}", "127.0.0.1", 6379),
            "listening on 127.0.0.1:6379");
  EXPECT_EQ(internal::FormatMessage("{} {} {} {}", true, -5, uint64_t(7), 1.5), "true -5 7 1.5");
  EXPECT_EQ(internal::FormatMessage("literal {{}} and {}", std::string("x")), "literal {} and x");
  EXPECT_EQ(internal::FormatMessage("no placeholders"), "no placeholders");
  EXPECT_EQ(internal::FormatMessage("status: {}", Status::IoError("disk full")),
            "status: " + Status::IoError("disk full").ToString());
  EXPECT_EQ(internal::FormatMessage("missing {}"), "missing ");
}

TEST(LogLevelTest, ParseAndNames) {
  EXPECT_EQ(ParseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(ParseLevel("trace"), Level::kTrace);
  EXPECT_EQ(ParseLevel("off"), Level::kOff);
  EXPECT_FALSE(ParseLevel("verbose").has_value());
  EXPECT_EQ(LevelName(Level::kDebug), "DEBUG");
  EXPECT_EQ(LevelConfigName(Level::kWarn), "warn");
}

TEST(LogFilterTest, MostSpecificTargetWins) {
  auto f = Filter::Parse("ferrite=debug, opentelemetry=debug,ferrite::storage=trace", Level::kWarn);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ(f->LevelFor("ferrite"), Level::kDebug);
  EXPECT_EQ(f->LevelFor("ferrite::server"), Level::kDebug);
  EXPECT_EQ(f->LevelFor("ferrite::storage"), Level::kTrace);
  EXPECT_EQ(f->LevelFor("ferrite::storage::hlog"), Level::kTrace);
  EXPECT_EQ(f->LevelFor("ferrite::storagex"), Level::kDebug);  // not a module boundary
  EXPECT_EQ(f->LevelFor("ferrite_other"), Level::kWarn);
  EXPECT_EQ(f->LevelFor("opentelemetry"), Level::kDebug);
  EXPECT_EQ(f->LevelFor("hyper"), Level::kWarn);
  EXPECT_EQ(f->MaxLevel(), Level::kTrace);
  EXPECT_EQ(f->ToString(), "warn,ferrite=debug,opentelemetry=debug,ferrite::storage=trace");
}

TEST(LogFilterTest, BareLevelSetsDefaultAndErrorsNameTheEntry) {
  auto f = Filter::Parse("error,ferrite=off", Level::kInfo);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->default_level(), Level::kError);
  EXPECT_EQ(f->LevelFor("ferrite::x"), Level::kOff);
  EXPECT_EQ(f->MaxLevel(), Level::kError);
  auto empty = Filter::Parse("", Level::kDebug);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->LevelFor("x"), Level::kDebug);

  auto bad = Filter::Parse("ferrite=loud", Level::kInfo);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid log directive 'ferrite=loud'");
  auto bad2 = Filter::Parse("info,chatty", Level::kInfo);
  ASSERT_FALSE(bad2);
  EXPECT_EQ(bad2.error().message(), "invalid log directive 'chatty': unknown level");
  EXPECT_FALSE(Filter::Parse("=debug", Level::kInfo));
}

TEST(LoggerTest, DeliversInOrderAndFlushes) {
  Logger logger(64);
  auto sink = std::make_shared<CaptureSink>();
  logger.SetPrimarySink(sink);
  for (int i = 0; i < 50; ++i) logger.Submit(MakeRecord("m" + std::to_string(i)));
  logger.Flush();
  auto records = sink->records();
  ASSERT_EQ(records.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(records[i].message, "m" + std::to_string(i));
  EXPECT_GT(sink->flushes_.load(), 0);
  EXPECT_EQ(logger.dropped(), 0u);
}

TEST(LoggerTest, ManyProducersLoseNothingWhenTheQueueKeepsUp) {
  Logger logger(1 << 16);
  auto sink = std::make_shared<CaptureSink>();
  logger.SetPrimarySink(sink);
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kPerThread; ++i) {
        logger.Submit(MakeRecord(std::to_string(t) + ":" + std::to_string(i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  logger.Flush();
  auto records = sink->records();
  ASSERT_EQ(records.size() + logger.dropped(), size_t(kThreads * kPerThread));
  EXPECT_EQ(logger.dropped(), 0u);
  // Per-producer order is preserved.
  std::vector<int> next(kThreads, 0);
  for (const Record& r : records) {
    int t = r.message[0] - '0';
    EXPECT_EQ(r.message, std::to_string(t) + ":" + std::to_string(next[t]++));
  }
}

TEST(LoggerTest, FullQueueDropsCountsAndReports) {
  Logger logger(8);
  auto sink = std::make_shared<CaptureSink>();
  logger.SetPrimarySink(sink);
  sink->Close();  // the writer blocks in Write(), so the queue fills up
  for (int i = 0; i < 100; ++i) logger.Submit(MakeRecord("r" + std::to_string(i)));
  uint64_t dropped = logger.dropped();
  // At most the queue plus the record the writer holds got through.
  EXPECT_GE(dropped, 100u - 8u - 1u);
  sink->Open();
  logger.Flush();
  auto records = sink->records();
  EXPECT_EQ(records.size(), 100u - dropped + 1u);
  const Record& report = records.back();
  EXPECT_EQ(report.level, Level::kWarn);
  EXPECT_EQ(report.target, "ferrite::log");
  EXPECT_EQ(report.message, "dropped " + std::to_string(dropped) + " log records");
}

TEST(LoggerTest, StopWritesLaterRecordsSynchronously) {
  Logger logger(16);
  auto sink = std::make_shared<CaptureSink>();
  logger.SetPrimarySink(sink);
  logger.Submit(MakeRecord("before"));
  logger.Stop();
  ASSERT_EQ(sink->records().size(), 1u);
  logger.Submit(MakeRecord("after"));
  auto records = sink->records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].message, "after");
  logger.Flush();  // still fine after Stop
  logger.Stop();   // idempotent
}

TEST(LoggerTest, ExtraSinksAndReopen) {
  Logger logger(16);
  auto primary = std::make_shared<CaptureSink>();
  auto extra = std::make_shared<CaptureSink>();
  logger.SetPrimarySink(primary);
  logger.AddSink(extra);
  logger.Submit(MakeRecord("both"));
  logger.RequestReopen();
  logger.Flush();
  EXPECT_EQ(primary->reopens_.load(), 1);
  EXPECT_EQ(extra->reopens_.load(), 1);
  logger.RemoveSink(extra.get());
  logger.Submit(MakeRecord("primary only"));
  logger.Flush();
  EXPECT_EQ(primary->records().size(), 2u);
  EXPECT_EQ(extra->records().size(), 1u);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StreamSinkTest, FileIsReopenedAfterRotation) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/ferrite_log_test_" + std::to_string(getpid()) + ".log";
  std::string rotated = path + ".1";
  std::remove(path.c_str());
  std::remove(rotated.c_str());
  auto sink = StreamSink::Open(Format::kJson, path);
  ASSERT_TRUE(sink) << sink.error().ToString();
  Logger logger(16);
  logger.SetPrimarySink(std::shared_ptr<Sink>(std::move(sink).value()));
  logger.Submit(MakeRecord("first"));
  logger.Flush();
  ASSERT_EQ(std::rename(path.c_str(), rotated.c_str()), 0);
  logger.RequestReopen();
  logger.Flush();
  logger.Submit(MakeRecord("second"));
  logger.Flush();
  std::string old_text = ReadFile(rotated);
  std::string new_text = ReadFile(path);
  EXPECT_NE(old_text.find("\"message\":\"first\""), std::string::npos);
  EXPECT_EQ(old_text.find("second"), std::string::npos);
  EXPECT_NE(new_text.find("\"message\":\"second\""), std::string::npos);
  EXPECT_EQ(new_text.back(), '\n');
  logger.Stop();
  std::remove(path.c_str());
  std::remove(rotated.c_str());
}

TEST(StreamSinkTest, UnopenableFileIsAnError) {
  auto sink = StreamSink::Open(Format::kText, "/nonexistent-dir/x/ferrite.log");
  ASSERT_FALSE(sink);
  EXPECT_NE(sink.error().message().find("cannot open log file '/nonexistent-dir/x/ferrite.log'"),
            std::string::npos);
  Options options;
  options.output = "/nonexistent-dir/x/ferrite.log";
  EXPECT_FALSE(Configure(options).ok());
}

int g_evaluations = 0;
int Expensive() {
  ++g_evaluations;
  return 42;
}

// The macros go through Global(); point its primary sink at a capture sink for the test.
class GlobalLoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CaptureSink>();
    Global().SetPrimarySink(sink_);
  }
  void TearDown() override {
    Global().Flush();
    Global().SetFilter(Filter(Level::kInfo));
    Global().SetPrimarySink(
        std::shared_ptr<Sink>(StreamSink::Open(Format::kText, "stderr")->release()));
  }
  std::shared_ptr<CaptureSink> sink_;
};

TEST_F(GlobalLoggerTest, DisabledLevelsDoNotEvaluateArguments) {
  Global().SetFilter(Filter(Level::kInfo));
  g_evaluations = 0;
  FERRITE_DEBUG("ferrite::test", "value {}", Expensive());
  FERRITE_TRACE("ferrite::test", "value {}", Expensive());
  EXPECT_EQ(g_evaluations, 0);
  EXPECT_FALSE(MaybeEnabled(Level::kDebug));
  FERRITE_INFO("ferrite::test", "value {}", Expensive());
  EXPECT_EQ(g_evaluations, 1);
  Global().Flush();
  auto records = sink_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].message, "value 42");
  EXPECT_EQ(records[0].target, "ferrite::test");
  EXPECT_EQ(records[0].level, Level::kInfo);
}

TEST_F(GlobalLoggerTest, PerTargetDirectivesApplyAndCallSitesNoticeChanges) {
  auto loop = [](int i) {
    FERRITE_DEBUG("ferrite::storage::hlog", "storage {}", i);
    FERRITE_DEBUG("ferrite::server", "server {}", i);
  };
  Global().SetFilter(Filter(Level::kInfo));
  loop(0);
  Global().SetFilter(*Filter::Parse("ferrite::storage=trace", Level::kInfo));
  EXPECT_TRUE(MaybeEnabled(Level::kTrace));
  loop(1);
  Global().SetFilter(*Filter::Parse("ferrite=debug,ferrite::storage=warn", Level::kInfo));
  loop(2);
  Global().Flush();
  std::vector<std::string> messages;
  for (const auto& r : sink_->records()) messages.push_back(r.message);
  EXPECT_EQ(messages, (std::vector<std::string>{"storage 1", "server 2"}));
}

TEST_F(GlobalLoggerTest, FieldsAndTraceContextAreCaptured) {
  Global().SetFilter(Filter(Level::kDebug));
  std::string key = "user:123";
  {
    ScopedTraceContext scope(SeedTrace());
    EXPECT_TRUE(CurrentTraceContext().valid());
    FERRITE_LOG_FIELDS(Level::kDebug, "ferrite::commands::strings", "Command executed",
                       {"command", "SET"}, {"key", key}, {"duration_us", 45}, {"result", "OK"},
                       {"client_addr", "192.168.1.10:54321"});
  }
  EXPECT_FALSE(CurrentTraceContext().valid());
  SetCurrentTraceContext(SeedTrace());
  EXPECT_TRUE(CurrentTraceContext().valid());
  SetCurrentTraceContext(TraceContext{});
  EXPECT_FALSE(CurrentTraceContext().valid());
  FERRITE_INFO("ferrite::server", "no span");
  Global().Flush();
  auto records = sink_->records();
  ASSERT_EQ(records.size(), 2u);
  Record first = records[0];
  first.timestamp_us = kSeedTimeUs;
  first.level = Level::kInfo;
  Record expected = SampleRecord();
  expected.trace = SeedTrace();
  EXPECT_EQ(FormatJson(first), FormatJson(expected));
  EXPECT_FALSE(records[1].trace.valid());
  EXPECT_EQ(FormatJson(records[1]).find("trace_id"), std::string::npos);
}

}  // namespace
}  // namespace ferrite::log
