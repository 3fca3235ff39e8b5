#include "resp/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "resp/reply_builder.h"

namespace ferrite::resp {
namespace {

using Outcome = RequestParser::Outcome;

std::vector<std::string> Args(const RequestParser& p) { return {p.argv().begin(), p.argv().end()}; }

TEST(RequestParserTest, ParsesMultibulkCommand) {
  RequestParser p;
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
  size_t used;
  ASSERT_EQ(p.Parse(in, &used), Outcome::kCommand);
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(Args(p), (std::vector<std::string>{"SET", "k", "hello"}));
}

TEST(RequestParserTest, WaitsForEveryByteAndResumes) {
  std::string in = "*2\r\n$4\r\nECHO\r\n$12\r\nhello\r\nworld\r\n";
  RequestParser p;
  size_t used;
  for (size_t n = 0; n < in.size(); ++n) {
    ASSERT_EQ(p.Parse(std::string_view(in).substr(0, n), &used), Outcome::kNeedMore) << n;
    EXPECT_EQ(used, 0u);
  }
  ASSERT_EQ(p.Parse(in, &used), Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"ECHO", "hello\r\nworld"}));
}

TEST(RequestParserTest, PipelinedCommandsComeOneAtATime) {
  std::string in = "*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
  RequestParser p;
  size_t used, offset = 0;
  int commands = 0;
  while (offset < in.size()) {
    ASSERT_EQ(p.Parse(std::string_view(in).substr(offset), &used), Outcome::kCommand);
    EXPECT_EQ(Args(p), std::vector<std::string>{"PING"});
    offset += used;
    ++commands;
  }
  EXPECT_EQ(commands, 3);
}

TEST(RequestParserTest, InlineCommandsFollowRedisQuoting) {
  RequestParser p;
  size_t used;
  std::string in = "set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n";
  ASSERT_EQ(p.Parse(in, &used), Outcome::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"set", "a b", "c'd", "A\n"}));
  ASSERT_EQ(p.Parse("\r\n", &used), Outcome::kCommand);
  EXPECT_TRUE(p.argv().empty());
  ASSERT_EQ(p.Parse("get \"unterminated\r\n", &used), Outcome::kError);
  EXPECT_EQ(p.error(), "ERR Protocol error: unbalanced quotes in request");
}

TEST(RequestParserTest, ProtocolErrorsMatchRedis) {
  size_t used;
  struct Case {
    std::string input, error;
  } cases[] = {
      {"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*abc\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"},
      {"*1\r\n$-10\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$2000000000\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$" + std::string(70000, '1'), "ERR Protocol error: too big bulk count string"},
      {"*" + std::string(70000, '1'), "ERR Protocol error: too big mbulk count string"},
      {std::string(70000, 'a'), "ERR Protocol error: too big inline request"},
  };
  for (const Case& c : cases) {
    RequestParser p;
    EXPECT_EQ(p.Parse(c.input, &used), Outcome::kError) << c.input.substr(0, 20);
    EXPECT_EQ(p.error(), c.error);
  }
}

TEST(RequestParserTest, EmptyMultibulkIsSkipped) {
  RequestParser p;
  size_t used;
  ASSERT_EQ(p.Parse("*0\r\n", &used), Outcome::kCommand);
  EXPECT_EQ(used, 4u);
  EXPECT_TRUE(p.argv().empty());
  ASSERT_EQ(p.Parse("*-1\r\n", &used), Outcome::kCommand);
  EXPECT_TRUE(p.argv().empty());
}

TEST(RequestParserTest, AttributeCarriesTraceContextToTheNextCommandOnly) {
  RequestParser p;
  std::string attr =
      "|2\r\n+traceparent\r\n+00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
      "$10\r\ntracestate\r\n$7\r\nrojo=00\r\n";
  size_t used;
  ASSERT_EQ(p.Parse(attr, &used), Outcome::kCommand);
  EXPECT_EQ(used, attr.size());
  EXPECT_TRUE(p.argv().empty());
  ASSERT_EQ(p.Parse("*1\r\n$4\r\nPING\r\n", &used), Outcome::kCommand);
  EXPECT_EQ(p.traceparent(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(p.tracestate(), "rojo=00");
  ASSERT_EQ(p.Parse("*1\r\n$4\r\nPING\r\n", &used), Outcome::kCommand);
  EXPECT_EQ(p.traceparent(), "");
}

TEST(RequestParserTest, ReportsBytesWantedForLargeBulk) {
  RequestParser p;
  size_t used;
  std::string in = "*1\r\n$100000\r\nabc";
  ASSERT_EQ(p.Parse(in, &used), Outcome::kNeedMore);
  EXPECT_EQ(p.bytes_wanted(), 4 + 9 + 100000 + 2u);
}

TEST(ReplyBuilderTest, DowngradesResp3TypesForResp2) {
  std::string out2, out3;
  ReplyBuilder r2(&out2, 2), r3(&out3, 3);
  for (ReplyBuilder* r : {&r2, &r3}) {
    r->MapHeader(1);
    r->Bulk("k");
    r->Double(1.5);
    r->Null();
    r->Bool(true);
  }
  EXPECT_EQ(out2, "*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n$-1\r\n:1\r\n");
  EXPECT_EQ(out3, "%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#t\r\n");
}

TEST(ReplyBuilderTest, ErrorsRecordTheirCodeAndStripNewlines) {
  std::string out;
  ReplyBuilder r(&out);
  r.Error("WRONGTYPE bad\r\nthing");
  EXPECT_EQ(out, "-WRONGTYPE bad  thing\r\n");
  EXPECT_EQ(r.last_error_code(), "WRONGTYPE");
}

}  // namespace
}  // namespace ferrite::resp
