// hiredis (Debian's libhiredis 0.14) against the real ferrite binary: commands, pipelining with
// redisAppendCommand, binary-safe keys and values, errors.

#include <hiredis/hiredis.h>

#include <memory>
#include <random>
#include <string>

#include "ferrite_process.h"

// Runs a command into `var`, failing the test (instead of crashing) when no reply arrives.
#define FERRITE_REPLY(var, ...) \
  var = Command(__VA_ARGS__);   \
  ASSERT_NE(var, nullptr) << "no reply: " << ctx_->errstr

namespace ferrite::testing {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

class HiredisTest : public FerriteServerTest {
 protected:
  void SetUp() override {
    FerriteServerTest::SetUp();
    ctx_ = Connect();
    ASSERT_NE(ctx_, nullptr);
    Reply r;
    FERRITE_REPLY(r, "FLUSHALL");
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  }

  static Context Connect() {
    timeval tv{10, 0};
    Context c(redisConnectWithTimeout("127.0.0.1", port(), tv));
    if (c == nullptr || c->err != 0) return nullptr;
    redisSetTimeout(c.get(), tv);
    return c;
  }

  template <typename... Args>
  Reply Command(const char* format, Args... args) {
    return Reply(static_cast<redisReply*>(redisCommand(ctx_.get(), format, args...)));
  }

  Reply NextReply() {
    void* reply = nullptr;
    if (redisGetReply(ctx_.get(), &reply) != REDIS_OK) return nullptr;
    return Reply(static_cast<redisReply*>(reply));
  }

  static std::string Str(const Reply& r) { return std::string(r->str, r->len); }

  Context ctx_;
};

TEST_F(HiredisTest, BasicCommands) {
  Reply r;
  FERRITE_REPLY(r, "PING");
  ASSERT_EQ(r->type, REDIS_REPLY_STATUS);
  EXPECT_EQ(Str(r), "PONG");
  FERRITE_REPLY(r, "SET %s %s", "greeting", "hello");
  EXPECT_EQ(Str(r), "OK");
  FERRITE_REPLY(r, "GET %s", "greeting");
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(Str(r), "hello");
  FERRITE_REPLY(r, "GET %s", "missing");
  EXPECT_EQ(r->type, REDIS_REPLY_NIL);
  FERRITE_REPLY(r, "INCRBY %s %d", "n", 41);
  ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(r->integer, 41);
  FERRITE_REPLY(r, "MGET greeting missing n");
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 3u);
  EXPECT_EQ(r->element[0]->type, REDIS_REPLY_STRING);
  EXPECT_EQ(r->element[1]->type, REDIS_REPLY_NIL);
  EXPECT_EQ(std::string(r->element[2]->str, r->element[2]->len), "41");
  FERRITE_REPLY(r, "EXPIRE greeting 100");
  EXPECT_EQ(r->integer, 1);
  FERRITE_REPLY(r, "TTL greeting");
  EXPECT_GE(r->integer, 90);
  EXPECT_LE(r->integer, 100);
}

TEST_F(HiredisTest, ErrorsAreRedisText) {
  {
    Reply ignored;
    FERRITE_REPLY(ignored, "SET s abc");
  }
  Reply r;
  FERRITE_REPLY(r, "INCR s");
  ASSERT_EQ(r->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(Str(r), "ERR value is not an integer or out of range");
  FERRITE_REPLY(r, "GET");
  ASSERT_EQ(r->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(Str(r), "ERR wrong number of arguments for 'get' command");
  FERRITE_REPLY(r, "NOSUCHCOMMAND x");
  ASSERT_EQ(r->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(Str(r), "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ");
}

TEST_F(HiredisTest, PipelinedAppendCommandsKeepOrder) {
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    std::string key = "key:" + std::to_string(i);
    std::string value = "value:" + std::to_string(i);
    ASSERT_EQ(redisAppendCommand(ctx_.get(), "SET %b %b", key.data(), key.size(), value.data(),
                                 value.size()),
              REDIS_OK);
    ASSERT_EQ(redisAppendCommand(ctx_.get(), "INCR counter"), REDIS_OK);
    ASSERT_EQ(redisAppendCommand(ctx_.get(), "GET %b", key.data(), key.size()), REDIS_OK);
  }
  for (int i = 0; i < kCount; ++i) {
    Reply set = NextReply();
    ASSERT_NE(set, nullptr) << ctx_->errstr;
    ASSERT_EQ(set->type, REDIS_REPLY_STATUS);
    Reply incr = NextReply();
    ASSERT_NE(incr, nullptr);
    ASSERT_EQ(incr->type, REDIS_REPLY_INTEGER);
    ASSERT_EQ(incr->integer, i + 1);
    Reply get = NextReply();
    ASSERT_NE(get, nullptr);
    ASSERT_EQ(Str(get), "value:" + std::to_string(i));
  }
  Reply r;
  FERRITE_REPLY(r, "DBSIZE");
  EXPECT_EQ(r->integer, kCount + 1);
}

TEST_F(HiredisTest, BinarySafeKeysAndValues) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  Reply r;
  FERRITE_REPLY(r, "SET %b %b", all_bytes.data(), all_bytes.size(), all_bytes.data(),
                all_bytes.size());
  EXPECT_EQ(Str(r), "OK");
  FERRITE_REPLY(r, "GET %b", all_bytes.data(), all_bytes.size());
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(Str(r), all_bytes);

  std::mt19937_64 rng(7);
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (auto& c : big) c = static_cast<char>(rng());
  FERRITE_REPLY(r, "SET big %b", big.data(), big.size());
  EXPECT_EQ(Str(r), "OK");
  FERRITE_REPLY(r, "STRLEN big");
  EXPECT_EQ(r->integer, static_cast<long long>(big.size()));
  FERRITE_REPLY(r, "GET big");
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_TRUE(Str(r) == big);
  FERRITE_REPLY(r, "GETRANGE big 1000 1999");
  EXPECT_EQ(Str(r), big.substr(1000, 1000));

  std::string empty;
  FERRITE_REPLY(r, "SET %b %b", "e", size_t{1}, empty.data(), empty.size());
  EXPECT_EQ(Str(r), "OK");
  FERRITE_REPLY(r, "GET e");
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(r->len, 0u);
}

TEST_F(HiredisTest, TwoConnectionsSeeEachOthersWrites) {
  Context other = Connect();
  ASSERT_NE(other, nullptr);
  {
    Reply ignored;
    FERRITE_REPLY(ignored, "SET shared 1");
  }
  Reply r(static_cast<redisReply*>(redisCommand(other.get(), "INCR shared")));
  ASSERT_NE(r, nullptr) << other->errstr;
  EXPECT_EQ(r->integer, 2);
  FERRITE_REPLY(r, "GET shared");
  EXPECT_EQ(Str(r), "2");
}

}  // namespace
}  // namespace ferrite::testing
