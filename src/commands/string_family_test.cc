// Unit tests for the string family (commands/string_family.cc) and its updaters
// (commands/string_ops.h), run in-process against the memory store with a movable clock.

#include <cstring>
#include <string>
#include <vector>

#include "commands/string_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"

namespace ferrite::commands {
namespace {

using Strings = std::vector<std::string>;

class StringFamilyTest : public testing::CommandFixture {
 protected:
  // Writes a record of another type directly, as the collection families will.
  void PutList(std::string_view key) {
    storage::RecordBuilder rec{storage::ValueType::kList, storage::kNoExpiry, "opaque"};
    ASSERT_TRUE(session_->Upsert(client_.db, key, rec).ok());
  }
  uint64_t Hits() { return server_.stats().Sum(&server::ThreadStats::keyspace_hits); }
  uint64_t Misses() { return server_.stats().Sum(&server::ThreadStats::keyspace_misses); }
  std::string Now(int64_t plus_ms = 0) { return std::to_string(now_ms_ + plus_ms); }
};

// ---------------------------------------------------------------------------------------------
// GET / SET

TEST_F(StringFamilyTest, SetGetBinarySafe) {
  const std::string value("a\0b\r\nc", 6);
  EXPECT_EQ(Run({"SET", "k", value}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk(value));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"SET", "empty", ""}), kOk);
  EXPECT_EQ(Run({"GET", "empty"}), "$0\r\n\r\n");
  const std::string key("k\0ey", 4);
  EXPECT_EQ(Run({"SET", key, "v"}), kOk);
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_TRUE(last_propagated_.empty());  // a plain SET propagates as sent
  EXPECT_EQ(Run({"GET", key}), Bulk("v"));
}

TEST_F(StringFamilyTest, GetMissingNullInBothProtocols) {
  EXPECT_EQ(Run({"GET", "nope"}), kNil);
  client_.protocol = 3;
  EXPECT_EQ(Run({"GET", "nope"}), "_\r\n");
}

TEST_F(StringFamilyTest, GetWrongTypeAndKeyspaceStats) {
  PutList("l");
  uint64_t hits = Hits(), misses = Misses();
  EXPECT_EQ(Run({"GET", "l"}), kWrongType);
  EXPECT_EQ(Run({"GET", "missing"}), kNil);
  EXPECT_EQ(Hits(), hits + 1);
  EXPECT_EQ(Misses(), misses + 1);
  // SET overwrites any type without GET.
  EXPECT_EQ(Run({"SET", "l", "s"}), kOk);
  EXPECT_EQ(Run({"GET", "l"}), Bulk("s"));
}

TEST_F(StringFamilyTest, SetNxXx) {
  EXPECT_EQ(Run({"SET", "foo", "1", "nx"}), kOk);
  EXPECT_EQ(Run({"SET", "foo", "2", "NX"}), kNil);
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GET", "foo"}), Bulk("1"));
  EXPECT_EQ(Run({"SET", "bar", "1", "xx"}), kNil);
  EXPECT_EQ(Run({"GET", "bar"}), kNil);
  EXPECT_EQ(Run({"SET", "foo", "2", "XX"}), kOk);
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"GET", "foo"}), Bulk("2"));
  client_.protocol = 3;
  EXPECT_EQ(Run({"SET", "foo", "3", "NX"}), "_\r\n");
}

TEST_F(StringFamilyTest, SetGetOption) {
  EXPECT_EQ(Run({"SET", "foo", "bar", "GET"}), kNil);
  EXPECT_EQ(Run({"SET", "foo", "bar2", "GET"}), Bulk("bar"));
  EXPECT_EQ(Run({"GET", "foo"}), Bulk("bar2"));
  EXPECT_EQ(last_propagated_.size(), 0u);
  EXPECT_EQ(Run({"SET", "foo", "baz", "GET", "XX"}), Bulk("bar2"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "foo", "baz", "XX"}}));
  EXPECT_EQ(Run({"SET", "foo", "qux", "GET", "NX"}), Bulk("baz"));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GET", "foo"}), Bulk("baz"));
  EXPECT_EQ(Run({"SET", "new", "v", "get", "XX"}), kNil);
  EXPECT_EQ(Run({"GET", "new"}), kNil);
  EXPECT_EQ(Run({"SET", "new", "v", "GET", "NX", "get"}), kNil);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "new", "v", "NX"}}));
  EXPECT_EQ(Run({"GET", "new"}), Bulk("v"));
  PutList("l");
  EXPECT_EQ(Run({"SET", "l", "v", "GET"}), kWrongType);
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
}

TEST_F(StringFamilyTest, SetExpiryOptionsAndPropagation) {
  EXPECT_EQ(Run({"SET", "a", "v", "EX", "10"}), kOk);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "a", "v", "PXAT", Now(10000)}}));
  EXPECT_EQ(Run({"PTTL", "a"}), Int(10000));
  EXPECT_EQ(Run({"SET", "b", "v", "px", "1500"}), kOk);
  EXPECT_EQ(Run({"PTTL", "b"}), Int(1500));
  EXPECT_EQ(Run({"SET", "c", "v", "EXAT", std::to_string(now_ms_ / 1000 + 100)}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "c"}), Int((now_ms_ / 1000 + 100) * 1000));
  EXPECT_EQ(Run({"SET", "d", "v", "PXAT", Now(777)}), kOk);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "d", "v", "PXAT", Now(777)}}));
  EXPECT_EQ(Run({"PTTL", "d"}), Int(777));
  // Options combine; the rewrite drops NX/XX/GET because the SET happened.
  EXPECT_EQ(Run({"SET", "a", "w", "XX", "PX", "10000", "GET"}), Bulk("v"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "a", "w", "PXAT", Now(10000)}}));
  AdvanceMs(1500);
  EXPECT_EQ(Run({"GET", "b"}), kNil);
  EXPECT_EQ(Run({"GET", "a"}), Bulk("w"));
  AdvanceMs(10000);
  EXPECT_EQ(Run({"GET", "a"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c", "d"}), Int(1));
}

TEST_F(StringFamilyTest, SetClearsTtlUnlessKeepTtl) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v2", "KEEPTTL"}), kOk);
  EXPECT_TRUE(last_propagated_.empty());
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"SET", "k", "v3", "KEEPTTL", "GET"}), Bulk("v2"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "k", "v3", "KEEPTTL"}}));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"SET", "k", "v4"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"SET", "fresh", "v", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"TTL", "fresh"}), Int(-1));
}

TEST_F(StringFamilyTest, SetPastAbsoluteTimeLeavesKeyExpired) {
  EXPECT_EQ(Run({"SET", "k", "old"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "1"}), kOk);
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "k", "v", "PXAT", "1"}}));
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetSyntaxErrors) {
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"SET", "k", "v", "non-existing-option"},
           {"SET", "k", "v", "NX", "XX"},
           {"SET", "k", "v", "XX", "NX"},
           {"SET", "k", "v", "EX", "10", "PX", "100"},
           {"SET", "k", "v", "PX", "100", "EXAT", "10"},
           {"SET", "k", "v", "KEEPTTL", "EX", "10"},
           {"SET", "k", "v", "EX", "10", "KEEPTTL"},
           {"SET", "k", "v", "EX"},
           {"SET", "k", "v", "PERSIST"},
       }) {
    EXPECT_EQ(Run(args), kSyntax) << args[3];
  }
  // A repeated EX is accepted (the last one wins), as in Redis.
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "EX", "20"}), kOk);
  EXPECT_EQ(Run({"TTL", "k"}), Int(20));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
}

TEST_F(StringFamilyTest, SetInvalidExpireTimes) {
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-1"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10000000000000000"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "-9223372036854775808"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "9223372036854775807"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "ten"}), kNotInt);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", ""}), kNotInt);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"SETEX", "k", "0", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"PSETEX", "k", "-5", "v"}), Err("ERR invalid expire time in 'psetex' command"));
  // PXAT takes the whole positive range.
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(9223372036854775807));
}

TEST_F(StringFamilyTest, SetNxSetExPSetEx) {
  EXPECT_EQ(Run({"SETNX", "k", "a"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"SETNX", "k", "b"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"SETEX", "e", "100", "v"}), kOk);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "e", "v", "PXAT", Now(100000)}}));
  EXPECT_EQ(Run({"TTL", "e"}), Int(100));
  EXPECT_EQ(Run({"SETEX", "e", "10", "w"}), kOk);  // overwrites value and TTL
  EXPECT_EQ(Run({"GET", "e"}), Bulk("w"));
  EXPECT_EQ(Run({"TTL", "e"}), Int(10));
  EXPECT_EQ(Run({"PSETEX", "p", "100000", "v"}), kOk);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "p", "v", "PXAT", Now(100000)}}));
  EXPECT_EQ(Run({"SETEX", "x", "ten", "v"}), kNotInt);
  AdvanceMs(10000);
  EXPECT_EQ(Run({"GET", "e"}), kNil);
  EXPECT_EQ(Run({"GET", "p"}), Bulk("v"));
}

TEST_F(StringFamilyTest, GetSet) {
  EXPECT_EQ(Run({"GETSET", "k", "a"}), kNil);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "k", "a"}}));
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"GETSET", "k", "b"}), Bulk("a"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));  // GETSET discards the TTL
  EXPECT_EQ(Run({"GET", "k"}), Bulk("b"));
  PutList("l");
  EXPECT_EQ(Run({"GETSET", "l", "x"}), kWrongType);
}

TEST_F(StringFamilyTest, GetDel) {
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"GETDEL", "foo"}), Bulk("bar"));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"DEL", "foo"}}));
  EXPECT_EQ(Run({"GETDEL", "foo"}), kNil);
  EXPECT_EQ(last_dirty_, 0);
  PutList("l");
  EXPECT_EQ(Run({"GETDEL", "l"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(1));
}

TEST_F(StringFamilyTest, GetExOptions) {
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"GETEX", "foo"}), Bulk("bar"));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "100"}), Bulk("bar"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"PEXPIREAT", "foo", Now(100000)}}));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(100));
  EXPECT_EQ(Run({"GETEX", "foo", "px", "5000"}), Bulk("bar"));
  EXPECT_EQ(Run({"PTTL", "foo"}), Int(5000));
  EXPECT_EQ(Run({"GETEX", "foo", "EXAT", std::to_string(now_ms_ / 1000 + 50)}), Bulk("bar"));
  EXPECT_EQ(Run({"PEXPIRETIME", "foo"}), Int((now_ms_ / 1000 + 50) * 1000));
  EXPECT_EQ(Run({"GETEX", "foo", "PXAT", Now(999)}), Bulk("bar"));
  EXPECT_EQ(Run({"PTTL", "foo"}), Int(999));
  EXPECT_EQ(Run({"GETEX", "foo", "PERSIST"}), Bulk("bar"));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"PERSIST", "foo"}}));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-1));
  EXPECT_EQ(Run({"GETEX", "foo", "PERSIST"}), Bulk("bar"));  // nothing to persist
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GETEX", "foo", "EXAT", std::to_string(now_ms_ / 1000 - 100)}), Bulk("bar"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"DEL", "foo"}}));
  EXPECT_EQ(Run({"EXISTS", "foo"}), Int(0));
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "10"}), kNil);
}

TEST_F(StringFamilyTest, GetExErrors) {
  EXPECT_EQ(Run({"GETEX", "foo", "non-existent-option"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "foo", "NX"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "foo", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "10", "PERSIST"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "foo", "PERSIST", "PX", "10"}), kSyntax);
  // The time is validated only once a string is found (Redis's order).
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "10000000000000000"}), kNil);
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "10000000000000000"}),
            Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "foo", "EX", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "foo", "PX", "x"}), kNotInt);
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-1));
  PutList("l");
  EXPECT_EQ(Run({"GETEX", "l", "EX", "bad"}), kWrongType);
  EXPECT_EQ(Run({"GETEX", "l"}), kWrongType);
}

// ---------------------------------------------------------------------------------------------
// MGET / MSET / MSETNX

TEST_F(StringFamilyTest, MGetMixed) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(last_dirty_, 2);
  PutList("l");
  uint64_t hits = Hits(), misses = Misses();
  EXPECT_EQ(Run({"MGET", "a", "missing", "l", "b"}),
            "*4\r\n" + Bulk("1") + kNil + kNil + Bulk("2"));
  EXPECT_EQ(Hits(), hits + 3);
  EXPECT_EQ(Misses(), misses + 1);
  client_.protocol = 3;
  EXPECT_EQ(Run({"MGET", "missing"}), "*1\r\n_\r\n");
}

TEST_F(StringFamilyTest, MSetAndMSetNx) {
  EXPECT_EQ(Run({"MSET", "x", "10", "y", "foo bar", "z", "x x x x x x x\n\n\r\n"}), kOk);
  EXPECT_EQ(Run({"MGET", "x", "y", "z"}),
            "*3\r\n" + Bulk("10") + Bulk("foo bar") + Bulk("x x x x x x x\n\n\r\n"));
  EXPECT_EQ(Run({"MSET", "x", "10", "y"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"MSETNX", "x1", "xxx", "y2"}),
            Err("ERR wrong number of arguments for 'msetnx' command"));
  EXPECT_EQ(Run({"MSETNX", "x1", "xxx", "y2", "yyy", "x", "20"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"MGET", "x1", "y2", "x"}), "*3\r\n" + kNil + kNil + Bulk("10"));
  EXPECT_EQ(Run({"MSETNX", "x1", "xxx", "y2", "yyy"}), Int(1));
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"MSETNX", "s", "a", "s", "b"}), Int(1));  // same key twice: the last wins
  EXPECT_EQ(Run({"GET", "s"}), Bulk("b"));
  EXPECT_EQ(Run({"MSETNX", "s", "c", "s", "d"}), Int(0));
  EXPECT_EQ(Run({"SET", "t", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"MSET", "t", "w"}), kOk);
  EXPECT_EQ(Run({"TTL", "t"}), Int(-1));
}

// ---------------------------------------------------------------------------------------------
// INCR family

TEST_F(StringFamilyTest, IncrDecr) {
  EXPECT_EQ(Run({"INCR", "novar"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"INCR", "novar"}), Int(2));
  EXPECT_EQ(Run({"GET", "novar"}), Bulk("2"));
  EXPECT_EQ(Run({"SET", "novar", "17179869184"}), kOk);
  EXPECT_EQ(Run({"INCR", "novar"}), Int(17179869185));
  EXPECT_EQ(Run({"INCRBY", "novar", "17179869184"}), Int(34359738369));
  EXPECT_EQ(Run({"SET", "novar", "17179869184"}), kOk);
  EXPECT_EQ(Run({"DECRBY", "novar", "17179869185"}), Int(-1));
  EXPECT_EQ(Run({"DECR", "novar"}), Int(-2));
  EXPECT_EQ(Run({"DECRBY", "other", "5"}), Int(-5));
}

TEST_F(StringFamilyTest, IncrErrors) {
  for (const char* v : {"    11", "11    ", " 11 ", "1.5", "0x10", "+1", "01", ""}) {
    EXPECT_EQ(Run({"SET", "k", v}), kOk);
    EXPECT_EQ(Run({"INCR", "k"}), kNotInt) << v;
    EXPECT_EQ(last_dirty_, 0);
  }
  EXPECT_EQ(Run({"INCRBY", "k", "abc"}), kNotInt);
  EXPECT_EQ(Run({"INCRBY", "k", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(Run({"DECRBY", "k", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(Run({"SET", "big", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"INCR", "big"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"SET", "small", "-9223372036854775808"}), kOk);
  EXPECT_EQ(Run({"DECR", "small"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"INCRBY", "small", "9223372036854775807"}), Int(-1));
  PutList("l");
  EXPECT_EQ(Run({"INCR", "l"}), kWrongType);
  EXPECT_EQ(Run({"INCRBY", "l", "x"}), kNotInt);  // the argument is checked first
}

TEST_F(StringFamilyTest, IncrKeepsTtl) {
  EXPECT_EQ(Run({"SET", "k", "5", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"INCRBY", "k", "5"}), Int(10));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_TRUE(last_propagated_.empty());
}

TEST_F(StringFamilyTest, IncrByFloat) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "1"}), Bulk("1"));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"SET", "novar", "1", "KEEPTTL"}}));
  EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "0.25"}), Bulk("1.25"));
  EXPECT_EQ(Run({"GET", "novar"}), Bulk("1.25"));
  EXPECT_EQ(Run({"SET", "novar", "1.5"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "1.5"}), Bulk("3"));
  EXPECT_EQ(Run({"SET", "novar", "17179869184"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "1.5"}), Bulk("17179869185.5"));
  EXPECT_EQ(Run({"SET", "novar", "17179869184"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "17179869184"}), Bulk("34359738368"));
  EXPECT_EQ(Run({"SET", "foo", "1"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "-1.1"}), Bulk("-0.1"));
  EXPECT_EQ(Run({"SET", "foo", "5.0e3"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "2.0e2"}), Bulk("5200"));
  EXPECT_EQ(Run({"SET", "t", "1", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "t", "1"}), Bulk("2"));
  EXPECT_EQ(Run({"TTL", "t"}), Int(100));
  client_.protocol = 3;  // a bulk reply in RESP3 too
  EXPECT_EQ(Run({"INCRBYFLOAT", "t", "0.5"}), Bulk("2.5"));
}

TEST_F(StringFamilyTest, IncrByFloatErrors) {
  const std::string not_float = Err("ERR value is not a valid float");
  for (const char* v : {"    11", "11    ", " 11 ", "abc"}) {
    EXPECT_EQ(Run({"SET", "novar", v}), kOk);
    EXPECT_EQ(Run({"INCRBYFLOAT", "novar", "1.0"}), not_float) << v;
  }
  EXPECT_EQ(Run({"SET", "foo", "1"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "foo", "2", "2"}), Int(3));  // "1\0" "2"
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "1"}), not_float);
  EXPECT_EQ(Run({"SET", "foo", "0"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "+inf"}),
            Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "nan"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "1x"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "missing", ""}), not_float);
  EXPECT_EQ(Run({"EXISTS", "missing"}), Int(0));
  PutList("l");
  EXPECT_EQ(Run({"INCRBYFLOAT", "l", "1.0"}), kWrongType);
  EXPECT_EQ(Run({"INCRBYFLOAT", "l", "bad"}), kWrongType);  // type first, as Redis
}

TEST_F(StringFamilyTest, IncrByFloatUsesLongDoubleRange) {
  // Beyond double's range but within long double's, as on Redis (x86-64 80-bit long double).
  // Expected text captured from redis-server 7.0.15.
  const std::string e400 =
      "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994"
      "84832416052209405392731761620029582277725925573402382897659334066101779744743454617391786244"
      "8116674971723778"
      "94382439159333804747067502624668440135923751360383034373548550524495596497902182503828009106"
      "84149474024568986530409510175126580926158275889201834725116433165913626641381763097348063437"
      "32497430221946880";
  EXPECT_EQ(Run({"INCRBYFLOAT", "n", "1e400"}), Bulk(e400));
  EXPECT_EQ(Run({"INCRBYFLOAT", "tiny", "1e-400"}), Bulk("0"));
  EXPECT_EQ(Run({"SET", "big", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "big", "1"}), Bulk("9223372036854775808"));
}

TEST_F(StringFamilyTest, IncrByFloatNoNegativeZero) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "0.024390243902439025"}), Bulk("0.02439024390243902"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "-0.024390243902439025"}), Bulk("0"));
  EXPECT_EQ(Run({"GET", "foo"}), Bulk("0"));
}

// ---------------------------------------------------------------------------------------------
// APPEND STRLEN SETRANGE GETRANGE

TEST_F(StringFamilyTest, AppendAndStrlen) {
  EXPECT_EQ(Run({"APPEND", "k", "foo"}), Int(3));
  EXPECT_EQ(Run({"APPEND", "k", std::string("\0bar", 4)}), Int(7));
  EXPECT_EQ(Run({"GET", "k"}), Bulk(std::string("foo\0bar", 7)));
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(7));
  EXPECT_EQ(Run({"STRLEN", "missing"}), Int(0));
  EXPECT_EQ(Run({"APPEND", "e", ""}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "e"}), Int(1));
  EXPECT_EQ(Run({"SET", "t", "1", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"APPEND", "t", "2"}), Int(2));
  EXPECT_EQ(Run({"TTL", "t"}), Int(100));
  PutList("l");
  EXPECT_EQ(Run({"APPEND", "l", "x"}), kWrongType);
  EXPECT_EQ(Run({"STRLEN", "l"}), kWrongType);
}

TEST_F(StringFamilyTest, SetRange) {
  EXPECT_EQ(Run({"SETRANGE", "mykey", "0", "foo"}), Int(3));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("foo"));
  EXPECT_EQ(Run({"DEL", "mykey"}), Int(1));
  EXPECT_EQ(Run({"SETRANGE", "mykey", "0", ""}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"EXISTS", "mykey"}), Int(0));
  EXPECT_EQ(Run({"SETRANGE", "mykey", "1", "foo"}), Int(4));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk(std::string("\0foo", 4)));
  EXPECT_EQ(Run({"SET", "mykey", "foo"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "0", "b"}), Int(3));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("boo"));
  EXPECT_EQ(Run({"SETRANGE", "mykey", "0", ""}), Int(3));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "1", "b"}), Int(3));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("bbo"));
  EXPECT_EQ(Run({"SETRANGE", "mykey", "4", "bar"}), Int(7));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk(std::string("bbo\0bar", 7)));
  EXPECT_EQ(Run({"SET", "mykey", "1234"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "5", "2"}), Int(6));
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk(std::string("1234\0002", 6)));
}

TEST_F(StringFamilyTest, SetRangeErrors) {
  const std::string too_long = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(Run({"SETRANGE", "mykey", std::to_string(512 * 1024 * 1024 - 4), "world"}), too_long);
  EXPECT_EQ(Run({"SET", "mykey", "hello"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "-1", "world"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"SETRANGE", "mykey", std::to_string(512 * 1024 * 1024 - 4), "world"}), too_long);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "9223372036854775807", "A"}), too_long);
  EXPECT_EQ(Run({"SETRANGE", "mykey", "x", "A"}), kNotInt);
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("hello"));
  PutList("l");
  EXPECT_EQ(Run({"SETRANGE", "l", "0", "bar"}), kWrongType);
  EXPECT_EQ(Run({"SETRANGE", "l", "0", ""}), kWrongType);
}

TEST_F(StringFamilyTest, GetRange) {
  EXPECT_EQ(Run({"GETRANGE", "mykey", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"SET", "mykey", "Hello World"}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "mykey", "0", "3"}), Bulk("Hell"));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "0", "-1"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "-4", "-1"}), Bulk("orld"));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "5", "3"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "5", "5000"}), Bulk(" World"));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "-5000", "10000"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"GETRANGE", "mykey", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(Run({"SUBSTR", "mykey", "6", "-1"}), Bulk("World"));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "foo", "0", "4294967297"}), Bulk("bar"));
  EXPECT_EQ(Run({"GETRANGE", "foo", "0", "9223372036854775807"}), Bulk("bar"));
  EXPECT_EQ(Run({"GETRANGE", "foo", "-9223372036854775808", "1"}), Bulk("ba"));
  EXPECT_EQ(Run({"SET", "empty", ""}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "empty", "0", "-1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "foo", "a", "1"}), kNotInt);
  PutList("l");
  EXPECT_EQ(Run({"GETRANGE", "l", "0", "1"}), kWrongType);
}

TEST(GetRangeBoundsTest, RedisIndexRules) {
  uint64_t from = 0, count = 0;
  ASSERT_TRUE(GetRangeBounds(0, -1, 6, &from, &count));
  EXPECT_EQ(from, 0u);
  EXPECT_EQ(count, 6u);
  ASSERT_TRUE(GetRangeBounds(-3, -1, 6, &from, &count));
  EXPECT_EQ(from, 3u);
  EXPECT_EQ(count, 3u);
  ASSERT_TRUE(GetRangeBounds(5, 100, 6, &from, &count));
  EXPECT_EQ(from, 5u);
  EXPECT_EQ(count, 1u);
  ASSERT_TRUE(GetRangeBounds(-100, 0, 6, &from, &count));
  EXPECT_EQ(from, 0u);
  EXPECT_EQ(count, 1u);
  EXPECT_FALSE(GetRangeBounds(-1, -3, 6, &from, &count));  // both negative, start > end
  EXPECT_FALSE(GetRangeBounds(2, 1, 6, &from, &count));
  EXPECT_FALSE(GetRangeBounds(6, 9, 6, &from, &count));
  EXPECT_FALSE(GetRangeBounds(0, -1, 0, &from, &count));
}

// ---------------------------------------------------------------------------------------------
// LCS

const char* kRna1 =
    "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTG"
    "CATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTAC"
    "GGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG";
const char* kRna2 =
    "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCT"
    "GTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTG"
    "CAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";
const char* kRnaLcs =
    "ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGC"
    "ATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACG"
    "GTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT";

std::string Range(int a, int b) { return "*2\r\n" + Int(a) + Int(b); }

TEST_F(StringFamilyTest, LcsBasicAndLen) {
  EXPECT_EQ(Run({"SET", "virus1", kRna1}), kOk);
  EXPECT_EQ(Run({"SET", "virus2", kRna2}), kOk);
  EXPECT_EQ(Run({"LCS", "virus1", "virus2"}), Bulk(kRnaLcs));
  EXPECT_EQ(Run({"LCS", "virus1", "virus2", "LEN"}), Int(std::strlen(kRnaLcs)));
  EXPECT_EQ(Run({"LCS", "virus1", "nokey"}), Bulk(""));
  EXPECT_EQ(Run({"LCS", "nokey", "nokey2", "LEN"}), Int(0));
}

TEST_F(StringFamilyTest, LcsIdx) {
  EXPECT_EQ(Run({"SET", "virus1", kRna1}), kOk);
  EXPECT_EQ(Run({"SET", "virus2", kRna2}), kOk);
  const std::string matches =
      "*5\r\n"
      "*2\r\n" +
      Range(238, 238) + Range(239, 239) + "*2\r\n" + Range(236, 236) + Range(238, 238) + "*2\r\n" +
      Range(229, 230) + Range(236, 237) + "*2\r\n" + Range(224, 224) + Range(235, 235) + "*2\r\n" +
      Range(1, 222) + Range(13, 234);
  const std::string len = Bulk("len") + Int(227);
  EXPECT_EQ(Run({"LCS", "virus1", "virus2", "IDX"}), "*4\r\n" + Bulk("matches") + matches + len);
  client_.protocol = 3;
  EXPECT_EQ(Run({"LCS", "virus1", "virus2", "idx"}), "%2\r\n" + Bulk("matches") + matches + len);
  client_.protocol = 2;
  const std::string with_len =
      "*5\r\n"
      "*3\r\n" +
      Range(238, 238) + Range(239, 239) + Int(1) + "*3\r\n" + Range(236, 236) + Range(238, 238) +
      Int(1) + "*3\r\n" + Range(229, 230) + Range(236, 237) + Int(2) + "*3\r\n" + Range(224, 224) +
      Range(235, 235) + Int(1) + "*3\r\n" + Range(1, 222) + Range(13, 234) + Int(222);
  EXPECT_EQ(Run({"LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN"}),
            "*4\r\n" + Bulk("matches") + with_len + len);
  EXPECT_EQ(Run({"LCS", "virus1", "virus2", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "5"}),
            "*4\r\n" + Bulk("matches") + "*1\r\n*3\r\n" + Range(1, 222) + Range(13, 234) +
                Int(222) + len);
}

TEST_F(StringFamilyTest, LcsErrors) {
  EXPECT_EQ(Run({"SET", "a", "ohmytext"}), kOk);
  EXPECT_EQ(Run({"SET", "b", "mynewtext"}), kOk);
  EXPECT_EQ(Run({"LCS", "a", "b"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN", "IDX"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(Run({"LCS", "a", "b", "FOO"}), kSyntax);
  EXPECT_EQ(Run({"LCS", "a", "b", "MINMATCHLEN"}), kSyntax);
  EXPECT_EQ(Run({"LCS", "a", "b", "MINMATCHLEN", "x"}), kNotInt);
  PutList("l");
  EXPECT_EQ(Run({"LCS", "a", "l", "FOO"}),
            Err("ERR The specified keys must contain string values"));
}

// ---------------------------------------------------------------------------------------------
// Updaters on the in-place path (the memory store always copies, the HybridLog will not)

struct InPlaceBuffer {
  explicit InPlaceBuffer(std::string_view v, uint32_t capacity = 32,
                         storage::ValueType type = storage::ValueType::kString)
      : data(capacity, '\xAA'), length(static_cast<uint32_t>(v.size())) {
    std::memcpy(data.data(), v.data(), v.size());
    rec = {type, &expire, data.data(), &length, capacity};
  }
  std::string value() const { return std::string(data.data(), length); }
  std::string data;
  uint32_t length;
  int64_t expire = 777;
  storage::MutableRecord rec;
};

TEST(UpdaterTest, IncrInPlace) {
  InPlaceBuffer buf("99");
  IncrByUpdater up(1);
  ASSERT_TRUE(up.InPlaceUpdate(buf.rec));
  EXPECT_EQ(up.outcome, RmwOutcome::kDone);
  EXPECT_EQ(up.value, 100);
  EXPECT_EQ(buf.value(), "100");
  EXPECT_EQ(buf.expire, 777);
  InPlaceBuffer small("99", 2);
  IncrByUpdater grow(1);
  EXPECT_FALSE(grow.InPlaceUpdate(small.rec));  // does not fit: CopyUpdate takes over
  EXPECT_EQ(small.value(), "99");
  InPlaceBuffer bad("x");
  IncrByUpdater fails(1);
  EXPECT_FALSE(fails.InPlaceUpdate(bad.rec));
  storage::RecordBuilder out{storage::ValueType::kString, 0, "x"};
  EXPECT_EQ(fails.CopyUpdate({storage::ValueType::kString, 0, "x"}, out).code(),
            StatusCode::kAborted);
  EXPECT_EQ(fails.outcome, RmwOutcome::kNotInteger);
  InPlaceBuffer list("1", 32, storage::ValueType::kList);
  EXPECT_FALSE(IncrByUpdater(1).InPlaceUpdate(list.rec));
}

TEST(UpdaterTest, AppendAndSetRangeInPlace) {
  InPlaceBuffer buf("foo", 8);
  AppendUpdater app("bar");
  ASSERT_TRUE(app.InPlaceUpdate(buf.rec));
  EXPECT_EQ(buf.value(), "foobar");
  EXPECT_EQ(app.length, 6u);
  EXPECT_FALSE(AppendUpdater("xyz").InPlaceUpdate(buf.rec));  // 9 > capacity 8
  SetRangeUpdater sr(7, "Z");
  ASSERT_TRUE(sr.InPlaceUpdate(buf.rec));
  EXPECT_EQ(buf.value(), std::string("foobar\0Z", 8));
  SetRangeUpdater none(0, "");
  ASSERT_TRUE(none.InPlaceUpdate(buf.rec));
  EXPECT_EQ(none.outcome, RmwOutcome::kUnchanged);
  EXPECT_EQ(none.length, 8u);
  EXPECT_FALSE(SetRangeUpdater(8, "Q").InPlaceUpdate(buf.rec));
}

TEST(UpdaterTest, IncrByFloatInPlace) {
  InPlaceBuffer buf("1.5");
  IncrByFloatUpdater up(1.25L, true);
  ASSERT_TRUE(up.InPlaceUpdate(buf.rec));
  EXPECT_EQ(buf.value(), "2.75");
  EXPECT_EQ(up.text, "2.75");
  IncrByFloatUpdater invalid(0, false);
  EXPECT_FALSE(invalid.InPlaceUpdate(buf.rec));
  EXPECT_EQ(invalid.outcome, RmwOutcome::kNotFloat);
}

TEST(UpdaterTest, SetAndGetExInPlace) {
  InPlaceBuffer buf("old", 8);
  SetUpdater keep(kSetGet | kSetKeepTtl, "new", std::nullopt);
  ASSERT_TRUE(keep.InPlaceUpdate(buf.rec));
  EXPECT_EQ(keep.outcome, RmwOutcome::kDone);
  EXPECT_EQ(keep.old_value, "old");
  EXPECT_EQ(buf.value(), "new");
  EXPECT_EQ(buf.expire, 777);
  SetUpdater nx(kSetNx | kSetGet, "zzz", std::nullopt);
  ASSERT_TRUE(nx.InPlaceUpdate(buf.rec));
  EXPECT_EQ(nx.outcome, RmwOutcome::kSkipped);
  EXPECT_EQ(nx.old_value, "new");
  EXPECT_EQ(buf.value(), "new");
  SetUpdater ex(0, "v", int64_t{123});
  ASSERT_TRUE(ex.InPlaceUpdate(buf.rec));
  EXPECT_EQ(buf.expire, 123);
  EXPECT_FALSE(SetUpdater(0, "too long value", std::nullopt).InPlaceUpdate(buf.rec));
  GetExUpdater persist(kSetPersist, false, 0, false);
  ASSERT_TRUE(persist.InPlaceUpdate(buf.rec));
  EXPECT_EQ(persist.outcome, RmwOutcome::kDone);
  EXPECT_EQ(persist.value, "v");
  EXPECT_EQ(buf.expire, storage::kNoExpiry);
  GetExUpdater expired(kSetPxat, false, 1, true);
  EXPECT_FALSE(expired.InPlaceUpdate(buf.rec));  // deleting needs CopyUpdate
  storage::RecordBuilder out;
  EXPECT_TRUE(expired.CopyUpdate({storage::ValueType::kString, 0, "v"}, out).IsNotFound());
  EXPECT_EQ(expired.outcome, RmwOutcome::kDeleted);
}

TEST(StringOpsTest, EncodingAndLimits) {
  EXPECT_EQ(StringEncoding("12345"), "int");
  EXPECT_EQ(StringEncoding("-9223372036854775808"), "int");
  EXPECT_EQ(StringEncoding("01"), "embstr");
  EXPECT_EQ(StringEncoding(std::string(44, 'a')), "embstr");
  EXPECT_EQ(StringEncoding(std::string(45, 'a')), "raw");
  EXPECT_FALSE(ExceedsMaxBulkLen(kProtoMaxBulkLen - 1, 1));
  EXPECT_TRUE(ExceedsMaxBulkLen(kProtoMaxBulkLen, 1));
  EXPECT_TRUE(ExceedsMaxBulkLen(~0ull, 2));  // wraps
}

}  // namespace
}  // namespace ferrite::commands
