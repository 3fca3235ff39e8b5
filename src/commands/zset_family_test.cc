// Unit tests for the sorted-set family (zset_family.cc, zset_setops.cc, zset_pop.cc) and its
// operations (zset_ops.h), run in-process against the memory store. Expected replies are Redis
// 7.0.15's bytes.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"
#include "commands/zset_ops.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

std::string Arr(size_t n) { return "*" + std::to_string(n) + "\r\n"; }
// An array of bulk strings.
std::string Bulks(std::initializer_list<std::string_view> items) {
  std::string out = Arr(items.size());
  for (auto s : items) out += Bulk(s);
  return out;
}
const std::string kNilArray = "*-1\r\n";
const std::string kEmpty = "*0\r\n";

class ZSetFamilyTest : public testing::CommandFixture {
 protected:
  void PutSet(std::string_view key, std::initializer_list<std::string_view> members) {
    auto set = std::make_unique<storage::SetObject>();
    for (auto m : members) set->table().Set(m, storage::NoValue{});
    storage::RecordBuilder rec;
    rec.type = storage::ValueType::kSet;
    rec.object = std::move(set);
    ASSERT_TRUE(session_->Upsert(client_.db, key, rec).ok());
  }
  std::string Encoding(std::string_view key) {
    std::string enc = "<absent>";
    Status st = session_->Read(client_.db, key, [&](const storage::RecordView& r) {
      enc = std::string(ZSetEncoding(static_cast<const storage::ZSetObject&>(*r.object)));
    });
    return enc;
  }
  // Runs a blocking command with the dispatcher's flags; returns the reply (empty when it
  // blocked) and reports the keys it asked to block on.
  std::string RunBlocking(const std::vector<std::string_view>& args, bool can_block, bool timed_out,
                          std::vector<std::string>* block_keys, int64_t* timeout_ms = nullptr) {
    std::string out;
    resp::ReplyBuilder reply(&out, client_.protocol);
    server::CommandSpec spec;
    spec.name = args[0];
    server::CommandContext ctx(args, spec, reply, client_, *session_, server_);
    ctx.can_block = can_block;
    ctx.timed_out = timed_out;
    handlers_.at(Lower(args[0]))(ctx);
    if (ctx.block_requested()) *block_keys = ctx.block_keys();
    if (timeout_ms) *timeout_ms = ctx.block_timeout_ms();
    last_propagated_ = ctx.rewritten();
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY

TEST_F(ZSetFamilyTest, ZAddCountsAddedAndChanged) {
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2", "b"}), Int(2));
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "3", "b", "4", "c"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "z", "CH", "1", "a", "5", "b", "6", "d"}), Int(2));
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"ZCARD", "z"}), Int(4));
  EXPECT_EQ(Run({"ZSCORE", "z", "b"}), Bulk("5"));
}

TEST_F(ZSetFamilyTest, ZAddOptionsFollowRedis) {
  EXPECT_EQ(Run({"ZADD", "z", "XX", "1", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));
  EXPECT_EQ(Run({"ZADD", "z", "NX", "1", "a"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "z", "NX", "5", "a"}), Int(0));
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"ZADD", "z", "GT", "CH", "0", "a"}), Int(0));
  EXPECT_EQ(Run({"ZADD", "z", "GT", "CH", "3", "a"}), Int(1));
  EXPECT_EQ(Run({"ZADD", "z", "LT", "CH", "4", "a"}), Int(0));
  EXPECT_EQ(Run({"ZADD", "z", "XX", "LT", "CH", "2", "a", "1", "new"}), Int(1));
  EXPECT_EQ(Run({"ZSCORE", "z", "new"}), kNil);
  EXPECT_EQ(Run({"ZADD", "z", "GT", "INCR", "-1", "a"}), kNil);
  EXPECT_EQ(Run({"ZADD", "z", "INCR", "1.5", "a"}), Bulk("3.5"));
}

TEST_F(ZSetFamilyTest, ZAddErrors) {
  EXPECT_EQ(Run({"ZADD", "z", "NX", "XX", "1", "a"}),
            Err("ERR XX and NX options at the same time are not compatible"));
  EXPECT_EQ(Run({"ZADD", "z", "GT", "LT", "1", "a"}),
            Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_EQ(Run({"ZADD", "z", "GT", "NX", "1", "a"}),
            Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  EXPECT_EQ(Run({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            Err("ERR INCR option supports a single increment-element pair"));
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "2"}), kSyntax);
  EXPECT_EQ(Run({"ZADD", "z", "NX"}), kSyntax);
  EXPECT_EQ(Run({"ZADD", "z", "nan", "a"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"ZADD", "z", "1", "a", "x", "b"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));  // all or nothing
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"ZADD", "s", "1", "a"}), kWrongType);
  EXPECT_EQ(Run({"ZINCRBY", "s", "1", "a"}), kWrongType);
}

TEST_F(ZSetFamilyTest, ZIncrByAndNaN) {
  EXPECT_EQ(Run({"ZINCRBY", "z", "1.1", "a"}), Bulk("1.1000000000000001"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "-1.1", "a"}), Bulk("0"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "+inf", "a"}), Bulk("inf"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "-inf", "a"}), Err("ERR resulting score is not a number (NaN)"));
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), Bulk("inf"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "abc", "a"}), Err("ERR value is not a valid float"));
  client_.protocol = 3;
  EXPECT_EQ(Run({"ZINCRBY", "z", "1", "b"}), ",1\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), ",inf\r\n");
}

// ---------------------------------------------------------------------------------------------
// Reads

TEST_F(ZSetFamilyTest, ScoreRankAndCounts) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d"});
  EXPECT_EQ(Run({"ZMSCORE", "z", "a", "nope", "d"}), Arr(3) + Bulk("1") + kNil + Bulk("3"));
  EXPECT_EQ(Run({"ZMSCORE", "missing", "a"}), Arr(1) + kNil);
  EXPECT_EQ(Run({"ZRANK", "z", "c"}), Int(2));
  EXPECT_EQ(Run({"ZREVRANK", "z", "c"}), Int(1));
  EXPECT_EQ(Run({"ZRANK", "z", "nope"}), kNil);
  EXPECT_EQ(Run({"ZCOUNT", "z", "(1", "3"}), Int(3));
  EXPECT_EQ(Run({"ZCOUNT", "z", "-inf", "(3"}), Int(2));
  EXPECT_EQ(Run({"ZCOUNT", "z", "3", "1"}), Int(0));
  EXPECT_EQ(Run({"ZCOUNT", "z", "x", "1"}), Err("ERR min or max is not a float"));
  EXPECT_EQ(Run({"ZCOUNT", "z", "1", "nan"}), Err("ERR min or max is not a float"));
  EXPECT_EQ(Run({"ZCARD", "missing"}), Int(0));
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"ZCARD", "s"}), kWrongType);
  EXPECT_EQ(Run({"ZSCORE", "s", "a"}), kWrongType);
}

TEST_F(ZSetFamilyTest, ZRangeByRankScoreAndLex) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1"}), Bulks({"a", "b", "c", "d"}));
  EXPECT_EQ(Run({"ZRANGE", "z", "1", "2", "REV"}), Bulks({"c", "b"}));
  EXPECT_EQ(Run({"ZREVRANGE", "z", "0", "0", "WITHSCORES"}), Bulks({"d", "4"}));
  EXPECT_EQ(Run({"ZRANGE", "z", "5", "10"}), kEmpty);
  EXPECT_EQ(Run({"ZRANGEBYSCORE", "z", "(1", "+inf", "LIMIT", "1", "2"}), Bulks({"c", "d"}));
  EXPECT_EQ(Run({"ZREVRANGEBYSCORE", "z", "3", "-inf", "WITHSCORES", "LIMIT", "1", "-1"}),
            Bulks({"b", "2", "a", "1"}));
  EXPECT_EQ(Run({"ZRANGE", "z", "(4", "2", "BYSCORE", "REV"}), Bulks({"c", "b"}));
  EXPECT_EQ(Run({"ZRANGEBYSCORE", "z", "1", "4", "LIMIT", "-1", "2"}), kEmpty);
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}),
            Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
                "or BYLEX"));
  EXPECT_EQ(Run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}),
            Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}), kSyntax);

  Run({"ZADD", "lex", "0", "alpha", "0", "bar", "0", "cool", "0", "down"});
  EXPECT_EQ(Run({"ZRANGEBYLEX", "lex", "-", "[cool"}), Bulks({"alpha", "bar", "cool"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "lex", "(bar", "+", "LIMIT", "1", "5"}), Bulks({"down"}));
  EXPECT_EQ(Run({"ZREVRANGEBYLEX", "lex", "(cool", "-"}), Bulks({"bar", "alpha"}));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "lex", "+", "-"}), kEmpty);
  EXPECT_EQ(Run({"ZLEXCOUNT", "lex", "[b", "(d"}), Int(2));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "lex", "a", "+"}),
            Err("ERR min or max not valid string range item"));
  EXPECT_EQ(Run({"ZRANGEBYLEX", "lex", "-x", "+"}),
            Err("ERR min or max not valid string range item"));
}

TEST_F(ZSetFamilyTest, Resp3ShapesOfScoredReplies) {
  Run({"ZADD", "z", "1", "a", "2.5", "b"});
  client_.protocol = 3;
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}),
            Arr(2) + Arr(2) + Bulk("a") + ",1\r\n" + Arr(2) + Bulk("b") + ",2.5\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z", "nope"}), "_\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), Arr(2) + Bulk("a") + ",1\r\n");
  EXPECT_EQ(Run({"ZPOPMIN", "z", "1"}), Arr(1) + Arr(2) + Bulk("b") + ",2.5\r\n");
}

// ---------------------------------------------------------------------------------------------
// Removal

TEST_F(ZSetFamilyTest, ZRemAndRemoveRanges) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(Run({"ZREM", "z", "a", "nope", "b"}), Int(2));
  EXPECT_EQ(Run({"ZREMRANGEBYRANK", "z", "-1", "-1"}), Int(1));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1"}), Bulks({"c", "d"}));
  EXPECT_EQ(Run({"ZREMRANGEBYSCORE", "z", "(3", "+inf"}), Int(1));
  EXPECT_EQ(Run({"ZREMRANGEBYLEX", "z", "-", "+"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));  // emptied: deleted
  EXPECT_EQ(Run({"ZREM", "z", "a"}), Int(0));
  EXPECT_EQ(Run({"ZREMRANGEBYSCORE", "z", "a", "1"}), Err("ERR min or max is not a float"));
  EXPECT_EQ(Run({"ZREMRANGEBYRANK", "z", "x", "1"}),
            Err("ERR value is not an integer or out of range"));
}

// ---------------------------------------------------------------------------------------------
// Set operations

TEST_F(ZSetFamilyTest, UnionInterDiffWithWeightsAndSets) {
  Run({"ZADD", "z1", "1", "a", "2", "b", "3", "c"});
  Run({"ZADD", "z2", "10", "b", "20", "c", "30", "d"});
  PutSet("s", {"c", "d", "e"});
  EXPECT_EQ(Run({"ZUNION", "2", "z1", "z2", "WITHSCORES"}),
            Bulks({"a", "1", "b", "12", "c", "23", "d", "30"}));
  EXPECT_EQ(Run({"ZINTER", "2", "z1", "z2", "WEIGHTS", "2", "1", "AGGREGATE", "MAX", "WITHSCORES"}),
            Bulks({"b", "10", "c", "20"}));
  EXPECT_EQ(Run({"ZINTER", "3", "z1", "z2", "s", "WITHSCORES"}), Bulks({"c", "24"}));
  EXPECT_EQ(Run({"ZDIFF", "2", "z1", "z2", "WITHSCORES"}), Bulks({"a", "1"}));
  EXPECT_EQ(Run({"ZUNIONSTORE", "dst", "2", "z2", "s", "AGGREGATE", "MIN"}), Int(4));
  EXPECT_EQ(Run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}),
            Bulks({"c", "1", "d", "1", "e", "1", "b", "10"}));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "z1", "z2"}), Int(2));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"}), Int(1));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1"}),
            Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"ZDIFFSTORE", "dst", "2", "z1", "z1"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"ZUNIONSTORE", "dst", "0", "z1"}),
            Err("ERR at least 1 input key is needed for 'zunionstore' command"));
  EXPECT_EQ(Run({"ZUNION", "3", "z1", "z2"}), kSyntax);
  EXPECT_EQ(Run({"ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "x"}),
            Err("ERR weight value is not a float"));
  EXPECT_EQ(Run({"ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1"}), kSyntax);
  Run({"SET", "str", "v"});
  // WRONGTYPE comes before option errors, as in Redis.
  EXPECT_EQ(Run({"ZUNION", "2", "z1", "str", "BOGUS"}), kWrongType);
}

TEST_F(ZSetFamilyTest, SumOfOppositeInfinitiesIsZero) {
  Run({"ZADD", "z1", "inf", "a"});
  Run({"ZADD", "z2", "-inf", "a"});
  EXPECT_EQ(Run({"ZUNION", "2", "z1", "z2", "WITHSCORES"}), Bulks({"a", "0"}));
  EXPECT_EQ(Run({"ZUNION", "1", "z1", "WEIGHTS", "0", "WITHSCORES"}), Bulks({"a", "0"}));
}

TEST_F(ZSetFamilyTest, ZRangeStore) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"ZRANGESTORE", "dst", "z", "1", "-1"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}), Bulks({"b", "2", "c", "3"}));
  EXPECT_EQ(Run({"ZRANGESTORE", "dst", "z", "[a", "[b", "BYLEX", "LIMIT", "0", "1"}), Int(1));
  EXPECT_EQ(Run({"ZRANGESTORE", "dst", "z", "5", "1", "BYSCORE"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"ZRANGESTORE", "dst", "z", "0", "1", "WITHSCORES"}), kSyntax);
}

// ---------------------------------------------------------------------------------------------
// Pops

TEST_F(ZSetFamilyTest, PopsAndTheirPropagation) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), Bulks({"a", "1"}));
  EXPECT_EQ(Run({"ZPOPMAX", "z", "5"}), Bulks({"c", "3", "b", "2"}));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));
  EXPECT_EQ(Run({"ZPOPMIN", "z"}), kEmpty);
  EXPECT_EQ(Run({"ZPOPMIN", "z", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"ZPOPMIN", "z", "1", "2"}), kSyntax);

  Run({"ZADD", "z2", "1", "a", "2", "b"});
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "z2", "MAX", "COUNT", "10"}),
            Arr(2) + Bulk("z2") + Arr(2) + Bulks({"b", "2"}) + Bulks({"a", "1"}));
  ASSERT_EQ(last_propagated_.size(), 1u);
  EXPECT_EQ(last_propagated_[0], (std::vector<std::string>{"ZPOPMAX", "z2", "2"}));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN"}), kNilArray);
  EXPECT_EQ(Run({"ZMPOP", "0", "z", "MIN"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MAX", "COUNT", "1", "COUNT", "2"}), kSyntax);
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "MIN"}), kSyntax);
  Run({"SET", "s", "v"});
  EXPECT_EQ(Run({"ZMPOP", "2", "z", "s", "MIN"}), kWrongType);
  EXPECT_EQ(Run({"ZPOPMIN", "s", "0"}), kWrongType);
}

TEST_F(ZSetFamilyTest, BlockingPopServesBlocksAndTimesOut) {
  std::vector<std::string> keys;
  int64_t timeout_ms = -1;
  EXPECT_EQ(RunBlocking({"BZPOPMIN", "k1", "k2", "1.5"}, true, false, &keys, &timeout_ms), "");
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(timeout_ms, 1500);
  EXPECT_EQ(RunBlocking({"BZPOPMIN", "k1", "k2", "1.5"}, true, true, &keys), kNilArray);
  EXPECT_EQ(RunBlocking({"BZPOPMIN", "k1", "0"}, false, false, &keys), kNilArray);

  Run({"ZADD", "k2", "1", "a", "2", "b"});
  keys.clear();
  EXPECT_EQ(RunBlocking({"BZPOPMAX", "k1", "k2", "0"}, true, false, &keys),
            Bulks({"k2", "b", "2"}));
  EXPECT_TRUE(keys.empty());
  ASSERT_EQ(last_propagated_.size(), 1u);
  EXPECT_EQ(last_propagated_[0], (std::vector<std::string>{"ZPOPMAX", "k2"}));
  EXPECT_EQ(RunBlocking({"BZMPOP", "0", "1", "k2", "MIN", "COUNT", "5"}, true, false, &keys),
            Arr(2) + Bulk("k2") + Arr(1) + Bulks({"a", "1"}));
  EXPECT_EQ(last_propagated_[0], (std::vector<std::string>{"ZPOPMIN", "k2", "1"}));

  EXPECT_EQ(RunBlocking({"BZPOPMIN", "k1", "-1"}, true, false, &keys),
            Err("ERR timeout is negative"));
  EXPECT_EQ(RunBlocking({"BZPOPMIN", "k1", "x"}, true, false, &keys),
            Err("ERR timeout is not a float or out of range"));
}

TEST_F(ZSetFamilyTest, ZAddSignalsBlockedClients) {
  auto ready_keys_of = [&](std::vector<std::string_view> args) {
    std::string out;
    resp::ReplyBuilder reply(&out, 2);
    server::CommandSpec spec;
    server::CommandContext ctx(args, spec, reply, client_, *session_, server_);
    handlers_.at("zadd")(ctx);
    return ctx.ready_keys();
  };
  // Nobody blocked: nothing to signal, nothing recorded.
  EXPECT_TRUE(ready_keys_of({"ZADD", "k", "1", "a"}).empty());
  ParkClientOn("k");
  EXPECT_EQ(ready_keys_of({"ZADD", "k", "2", "b"}), (std::vector<std::string>{"k"}));
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER ZSCAN encoding

TEST_F(ZSetFamilyTest, ZRandMember) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  const std::set<std::string> members{Bulk("a"), Bulk("b"), Bulk("c")};
  EXPECT_TRUE(members.count(Run({"ZRANDMEMBER", "z"})));
  EXPECT_EQ(Run({"ZRANDMEMBER", "missing"}), kNil);
  EXPECT_EQ(Run({"ZRANDMEMBER", "missing", "3"}), kEmpty);
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "0"}), kEmpty);
  // A count at least the size returns every member once.
  const std::string all = Run({"ZRANDMEMBER", "z", "10", "WITHSCORES"});
  EXPECT_EQ(all.substr(0, 4), Arr(6));
  for (auto m : {"a", "b", "c"}) EXPECT_NE(all.find(Bulk(m)), std::string::npos);
  // Negative: that many picks, repeats allowed.
  const std::string five = Run({"ZRANDMEMBER", "z", "-5"});
  EXPECT_EQ(five.substr(0, 4), Arr(5));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "-9223372036854770000", "WITHSCORES"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(Run({"ZRANDMEMBER", "z", "1", "bogus"}), kSyntax);
}

TEST_F(ZSetFamilyTest, ZScanReturnsEveryMemberWithScores) {
  EXPECT_EQ(Run({"ZSCAN", "missing", "0"}), Arr(2) + Bulk("0") + kEmpty);
  Run({"ZADD", "small", "1", "a", "1.5", "b"});
  EXPECT_EQ(Run({"ZSCAN", "small", "0", "MATCH", "a*"}), Arr(2) + Bulk("0") + Bulks({"a", "1"}));
  std::vector<std::string_view> args{"ZADD", "big"};
  std::vector<std::string> storage;
  for (int i = 0; i < 300; ++i) storage.push_back(std::to_string(i));
  for (const std::string& s : storage) {
    args.push_back(s);
    args.push_back(s);
  }
  Run(args);
  EXPECT_EQ(Encoding("big"), "skiplist");
  EXPECT_EQ(Encoding("small"), "listpack");
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    const std::string r = Run({"ZSCAN", "big", cursor, "COUNT", "50"});
    // *2 $len cursor *n (member score)...
    size_t p = r.find("\r\n", 4) + 2;
    cursor = r.substr(p, r.find("\r\n", p) - p);
    p = r.find("\r\n", p) + 2;
    p = r.find("\r\n", p) + 2;  // the inner array header
    while (p < r.size()) {
      size_t nl = r.find("\r\n", p);
      const std::string member = r.substr(nl + 2, r.find("\r\n", nl + 2) - nl - 2);
      p = r.find("\r\n", nl + 2) + 2;
      nl = r.find("\r\n", p);
      const std::string score = r.substr(nl + 2, r.find("\r\n", nl + 2) - nl - 2);
      p = r.find("\r\n", nl + 2) + 2;
      EXPECT_EQ(member, score);
      seen.insert(member);
    }
    ++rounds;
  } while (cursor != "0" && rounds < 100);
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_GT(rounds, 1);
}

TEST_F(ZSetFamilyTest, EncodingIsStickyAndFollowsValueLength) {
  Run({"ZADD", "z", "1", "a"});
  EXPECT_EQ(Encoding("z"), "listpack");
  const std::string long_member(65, 'x');
  Run({"ZADD", "z", "2", long_member});
  EXPECT_EQ(Encoding("z"), "skiplist");
  Run({"ZREM", "z", long_member});
  EXPECT_EQ(Encoding("z"), "skiplist");  // Redis never converts back
  Run({"ZUNIONSTORE", "dst", "1", "z"});
  EXPECT_EQ(Encoding("dst"), "listpack");  // a new destination is sized afresh
}

// ---------------------------------------------------------------------------------------------
// Range helpers

TEST(ZSetOpsTest, ScoreRangeParsingFollowsStrtod) {
  ScoreRange r;
  ASSERT_TRUE(ParseScoreRange("(1.5", "+inf", &r));
  EXPECT_TRUE(r.minex);
  EXPECT_FALSE(r.maxex);
  EXPECT_EQ(r.min, 1.5);
  ASSERT_TRUE(ParseScoreRange("", " 2", &r));  // strtod: empty is 0, leading space is fine
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 2);
  EXPECT_FALSE(ParseScoreRange("1x", "2", &r));
  EXPECT_FALSE(ParseScoreRange("1", "(nan", &r));
}

TEST(ZSetOpsTest, ScoreSpansOverTies) {
  storage::ZSetObject z;
  for (auto [s, m] : {std::pair{1.0, "a"}, {2.0, "b"}, {2.0, "c"}, {3.0, "d"}}) z.Add(m, s);
  ScoreRange r{2, 2, false, false};
  EXPECT_EQ(ScoreRankSpan(z, r).first, 1u);
  EXPECT_EQ(ScoreRankSpan(z, r).last, 3u);
  r = {2, 3, true, false};
  EXPECT_EQ(ScoreRankSpan(z, r).first, 3u);
  EXPECT_EQ(ScoreRankSpan(z, r).size(), 1u);
  r = {2, 2, true, false};
  EXPECT_EQ(ScoreRankSpan(z, r).size(), 0u);
  EXPECT_EQ(ApplyLimit({1, 4}, 1, 1, /*reverse=*/true).first, 2u);
  EXPECT_EQ(ApplyLimit({1, 4}, 0, -1, false).size(), 3u);
  EXPECT_EQ(IndexRankSpan(-2, -1, 4).first, 2u);
  EXPECT_EQ(IndexRankSpan(3, 1, 4).size(), 0u);
}

TEST(ZSetOpsTest, EraseRanksKeepsMemoryAccounting) {
  storage::ZSetObject z;
  const size_t empty = z.MemoryUsage();
  for (int i = 0; i < 100; ++i) z.Add("member-with-a-long-name-" + std::to_string(i), i);
  const size_t full = z.MemoryUsage();
  EXPECT_GT(full, empty);
  EXPECT_EQ(z.EraseRanks(10, 90), 80u);
  EXPECT_EQ(z.size(), 20u);
  EXPECT_LT(z.MemoryUsage(), full);
  EXPECT_EQ(z.ByRank(10).second, "member-with-a-long-name-90");
  EXPECT_EQ(z.Score("member-with-a-long-name-50"), nullptr);
  EXPECT_EQ(z.ordered().size(), z.scores().size());
}

}  // namespace
}  // namespace ferrite::commands
