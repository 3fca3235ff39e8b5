// Unit tests for the list family (commands/list_family.cc) and its operations
// (commands/list_ops.h, the ListObject methods it added), run in-process against the memory
// store. Blocking handlers are driven at the handler level: the tests set can_block / timed_out
// and check what the handler asked of the dispatcher (Block keys and timeout) and replied.

#include <string>
#include <vector>

#include "commands/list_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"
#include "storage/objects/list_object.h"

namespace ferrite::commands {
namespace {

std::string Arr(std::initializer_list<std::string_view> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (std::string_view s : items) out += Bulk(s);
  return out;
}
std::string Ints(std::initializer_list<int64_t> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (int64_t v : items) out += Int(v);
  return out;
}
const std::string kNilArray = "*-1\r\n";
const std::string kEmpty = "*0\r\n";
const std::string kResp3Null = "_\r\n";

// What a handler asked of the dispatcher, besides its reply.
struct Outcome {
  std::string reply;
  bool blocked = false;
  std::vector<std::string> block_keys;
  int64_t block_timeout_ms = -1;
  std::vector<std::string> ready_keys;
  int64_t dirty = 0;
  std::vector<std::vector<std::string>> propagated;
};

class ListFamilyTest : public testing::CommandFixture {
 protected:
  // A client blocked on a key no test touches, so that writers record the keys they signal.
  ListFamilyTest() { ParkClientOn("parked-elsewhere"); }

  // Like Run(), with the blocking flags set and everything the context recorded returned.
  Outcome RunCtx(std::vector<std::string_view> args, bool can_block = true,
                 bool timed_out = false) {
    Outcome o;
    auto it = handlers_.find(Lower(args[0]));
    if (it == handlers_.end()) {
      o.reply = "<no handler>";
      return o;
    }
    resp::ReplyBuilder reply(&o.reply, client_.protocol);
    server::CommandSpec spec;
    spec.name = it->first;
    server::CommandContext ctx(args, spec, reply, client_, *session_, server_);
    ctx.can_block = can_block;
    ctx.timed_out = timed_out;
    it->second(ctx);
    o.blocked = ctx.block_requested();
    o.block_keys = ctx.block_keys();
    o.block_timeout_ms = ctx.block_timeout_ms();
    o.ready_keys = ctx.ready_keys();
    o.dirty = ctx.dirty();
    o.propagated = ctx.rewritten();
    return o;
  }
  std::string Range(std::string_view key) { return Run({"LRANGE", key, "0", "-1"}); }
};

// ---------------------------------------------------------------------------------------------
// Pushes, ranges, lengths

TEST_F(ListFamilyTest, PushesKeepRedisOrderAndSignalTheKey) {
  Outcome o = RunCtx({"LPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(o.reply, Int(3));
  EXPECT_EQ(o.dirty, 3);
  EXPECT_EQ(o.ready_keys, std::vector<std::string>{"l"});
  EXPECT_TRUE(o.propagated.empty());  // pushes propagate as sent
  EXPECT_EQ(Run({"RPUSH", "l", "x", "y"}), Int(5));
  EXPECT_EQ(Range("l"), Arr({"c", "b", "a", "x", "y"}));
  EXPECT_EQ(Run({"LLEN", "l"}), Int(5));
  EXPECT_EQ(Run({"LLEN", "none"}), Int(0));
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
}

// With no client blocked anywhere a push has nobody to wake, so it records no key (and
// allocates nothing for it).
class ListSignalTest : public testing::CommandFixture {};

TEST_F(ListSignalTest, PushRecordsNoKeyWhenNobodyIsBlocked) {
  std::string out;
  resp::ReplyBuilder reply(&out, 2);
  server::CommandSpec spec;
  std::vector<std::string_view> args{"LPUSH", "l", "a"};
  server::CommandContext ctx(args, spec, reply, client_, *session_, server_);
  handlers_.at("lpush")(ctx);
  EXPECT_EQ(out, Int(1));
  EXPECT_TRUE(ctx.ready_keys().empty());
  // Once a client blocks (on any key), the next push records its key.
  ParkClientOn("other");
  server::CommandContext again(args, spec, reply, client_, *session_, server_);
  handlers_.at("lpush")(again);
  EXPECT_EQ(again.ready_keys(), std::vector<std::string>{"l"});
}

TEST_F(ListFamilyTest, PushXOnlyTouchesExistingLists) {
  Outcome o = RunCtx({"LPUSHX", "l", "a"});
  EXPECT_EQ(o.reply, Int(0));
  EXPECT_EQ(o.dirty, 0);
  EXPECT_TRUE(o.ready_keys.empty());
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"RPUSH", "l", "a"}), Int(1));
  EXPECT_EQ(Run({"LPUSHX", "l", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"RPUSHX", "l", "d"}), Int(4));
  EXPECT_EQ(Range("l"), Arr({"c", "b", "a", "d"}));
}

TEST_F(ListFamilyTest, BinarySafeElements) {
  const std::string v("a\0b\r\n", 5);
  const std::string big(100000, 'z');
  EXPECT_EQ(Run({"RPUSH", "l", v, "", big}), Int(3));
  EXPECT_EQ(Range("l"), Arr({v, "", big}));
  EXPECT_EQ(Run({"LINDEX", "l", "-1"}), Bulk(big));
}

TEST_F(ListFamilyTest, RangeIndexArithmetic) {
  Run({"RPUSH", "l", "0", "1", "2", "3", "4"});
  EXPECT_EQ(Run({"LRANGE", "l", "1", "2"}), Arr({"1", "2"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-2", "-1"}), Arr({"3", "4"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-100", "1"}), Arr({"0", "1"}));
  EXPECT_EQ(Run({"LRANGE", "l", "3", "100"}), Arr({"3", "4"}));
  EXPECT_EQ(Run({"LRANGE", "l", "5", "10"}), kEmpty);
  EXPECT_EQ(Run({"LRANGE", "l", "2", "1"}), kEmpty);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-10"}), kEmpty);
  EXPECT_EQ(Run({"LRANGE", "none", "0", "-1"}), kEmpty);
  EXPECT_EQ(Run({"LRANGE", "l", "a", "1"}), kNotInt);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "9223372036854775807"}), Arr({"0", "1", "2", "3", "4"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-9223372036854775808", "0"}), Arr({"0"}));
}

TEST_F(ListFamilyTest, WrongTypeEverywhere) {
  Run({"SET", "s", "v"});
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"LPUSH", "s", "a"},
           {"RPUSHX", "s", "a"},
           {"LPOP", "s"},
           {"RPOP", "s", "2"},
           {"LPOP", "s", "0"},
           {"LLEN", "s"},
           {"LINDEX", "s", "0"},
           {"LSET", "s", "0", "x"},
           {"LRANGE", "s", "0", "-1"},
           {"LTRIM", "s", "0", "1"},
           {"LREM", "s", "0", "x"},
           {"LINSERT", "s", "BEFORE", "a", "b"},
           {"LPOS", "s", "a"},
           {"LMOVE", "s", "d", "LEFT", "LEFT"},
           {"RPOPLPUSH", "s", "s"},
           {"LMPOP", "1", "s", "LEFT"},
           {"BLPOP", "s", "0"},
           {"BLMOVE", "s", "d", "LEFT", "RIGHT", "0"},
           {"BLMPOP", "0", "1", "s", "LEFT"},
       }) {
    EXPECT_EQ(Run(args), kWrongType) << args[0];
  }
  EXPECT_EQ(Run({"GET", "s"}), Bulk("v"));
}

// ---------------------------------------------------------------------------------------------
// LPOP RPOP

TEST_F(ListFamilyTest, PopsWithAndWithoutCount) {
  Run({"RPUSH", "l", "a", "b", "c", "d", "e"});
  Outcome o = RunCtx({"LPOP", "l"});
  EXPECT_EQ(o.reply, Bulk("a"));
  EXPECT_EQ(o.dirty, 1);
  EXPECT_EQ(Run({"RPOP", "l"}), Bulk("e"));
  o = RunCtx({"RPOP", "l", "2"});
  EXPECT_EQ(o.reply, Arr({"d", "c"}));
  EXPECT_EQ(o.dirty, 2);
  EXPECT_EQ(Run({"LPOP", "l", "0"}), kEmpty);
  EXPECT_EQ(Run({"LPOP", "l", "10"}), Arr({"b"}));
  // The last pop deleted the key.
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
}

TEST_F(ListFamilyTest, PopNullShapesInBothProtocols) {
  EXPECT_EQ(Run({"LPOP", "none"}), kNil);
  EXPECT_EQ(Run({"RPOP", "none", "1"}), kNilArray);
  EXPECT_EQ(Run({"LPOP", "none", "0"}), kNilArray);
  client_.protocol = 3;
  EXPECT_EQ(Run({"LPOP", "none"}), kResp3Null);
  EXPECT_EQ(Run({"RPOP", "none", "3"}), kResp3Null);
}

TEST_F(ListFamilyTest, PopArgumentErrors) {
  Run({"RPUSH", "l", "a"});
  const std::string positive = Err("ERR value is out of range, must be positive");
  EXPECT_EQ(Run({"LPOP", "l", "-1"}), positive);
  EXPECT_EQ(Run({"LPOP", "l", "x"}), positive);
  EXPECT_EQ(Run({"LPOP", "l", "1", "2"}), Err("ERR wrong number of arguments for 'lpop' command"));
  EXPECT_EQ(Run({"LLEN", "l"}), Int(1));
}

// ---------------------------------------------------------------------------------------------
// LINDEX LSET

TEST_F(ListFamilyTest, IndexAndSet) {
  Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"LINDEX", "l", "0"}), Bulk("a"));
  EXPECT_EQ(Run({"LINDEX", "l", "-1"}), Bulk("c"));
  EXPECT_EQ(Run({"LINDEX", "l", "3"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "-4"}), kNil);
  EXPECT_EQ(Run({"LINDEX", "l", "x"}), kNotInt);
  EXPECT_EQ(Run({"LINDEX", "none", "x"}), kNil);  // the key is looked up first

  Outcome o = RunCtx({"LSET", "l", "-1", std::string(50, 'z')});
  EXPECT_EQ(o.reply, kOk);
  EXPECT_EQ(o.dirty, 1);
  EXPECT_EQ(Run({"LINDEX", "l", "2"}), Bulk(std::string(50, 'z')));
  EXPECT_EQ(Run({"LSET", "l", "3", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(Run({"LSET", "l", "x", "x"}), kNotInt);
  EXPECT_EQ(Run({"LSET", "none", "x", "x"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"LSET", "none", "0", "x"}), Err("ERR no such key"));
}

// ---------------------------------------------------------------------------------------------
// LTRIM LREM LINSERT

TEST_F(ListFamilyTest, TrimKeepsTheSliceAndDeletesWhenEmpty) {
  Run({"RPUSH", "l", "0", "1", "2", "3", "4"});
  Outcome o = RunCtx({"LTRIM", "l", "1", "-2"});
  EXPECT_EQ(o.reply, kOk);
  EXPECT_EQ(o.dirty, 2);
  EXPECT_EQ(Range("l"), Arr({"1", "2", "3"}));
  EXPECT_EQ(Run({"LTRIM", "l", "0", "100"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"1", "2", "3"}));
  EXPECT_EQ(Run({"LTRIM", "l", "2", "1"}), kOk);
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"LTRIM", "none", "0", "1"}), kOk);
  EXPECT_EQ(Run({"LTRIM", "none", "a", "1"}), kNotInt);
}

TEST_F(ListFamilyTest, RemFromHeadTailAndAll) {
  Run({"RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"});
  EXPECT_EQ(Run({"LREM", "l", "2", "a"}), Int(2));
  EXPECT_EQ(Range("l"), Arr({"b", "c", "a", "b", "a"}));
  EXPECT_EQ(Run({"LREM", "l", "-1", "b"}), Int(1));
  EXPECT_EQ(Range("l"), Arr({"b", "c", "a", "a"}));
  Outcome o = RunCtx({"LREM", "l", "0", "a"});
  EXPECT_EQ(o.reply, Int(2));
  EXPECT_EQ(o.dirty, 2);
  EXPECT_EQ(Run({"LREM", "l", "0", "zz"}), Int(0));
  EXPECT_EQ(Run({"LREM", "l", "-9223372036854775808", "b"}), Int(1));
  EXPECT_EQ(Run({"LREM", "l", "1", "c"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"LREM", "l", "x", "c"}), kNotInt);
}

TEST_F(ListFamilyTest, InsertBeforeAfterPivot) {
  Run({"RPUSH", "l", "a", "c"});
  EXPECT_EQ(Run({"LINSERT", "l", "before", "c", "b"}), Int(3));
  EXPECT_EQ(Run({"LINSERT", "l", "AFTER", "c", "d"}), Int(4));
  EXPECT_EQ(Run({"LINSERT", "l", "after", "zz", "d"}), Int(-1));
  EXPECT_EQ(Run({"LINSERT", "none", "after", "zz", "d"}), Int(0));
  EXPECT_EQ(Run({"LINSERT", "l", "aft3r", "a", "d"}), kSyntax);
  EXPECT_EQ(Range("l"), Arr({"a", "b", "c", "d"}));
}

// ---------------------------------------------------------------------------------------------
// LPOS (cases from Redis's unit/type/list)

TEST_F(ListFamilyTest, PosRankCountMaxlen) {
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(Run({"LPOS", "l", "a"}), Int(0));
  EXPECT_EQ(Run({"LPOS", "l", "c"}), Int(2));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "2"}), Int(6));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "4"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "-1"}), Int(7));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "-2"}), Int(6));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0"}), Ints({2, 6, 7}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "2"}), Ints({2, 6}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0", "RANK", "2"}), Ints({6, 7}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "2", "RANK", "-1"}), Ints({7, 6}));
  EXPECT_EQ(Run({"LPOS", "l", "a", "COUNT", "0", "MAXLEN", "1"}), Ints({0}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "1"}), kEmpty);
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "3", "RANK", "-1"}), Ints({7, 6}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7", "RANK", "2"}), Ints({6}));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "-9223372036854775808"}), kNil);
  EXPECT_EQ(Run({"LPOS", "none", "c", "COUNT", "0"}), kEmpty);
  EXPECT_EQ(Run({"LPOS", "none", "c"}), kNil);
  EXPECT_EQ(Run({"LPOS", "l", "x", "COUNT", "2", "RANK", "-1"}), kEmpty);

  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                "second ... or use negative to start from the end of the list"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK", "x"}), kNotInt);
  EXPECT_EQ(Run({"LPOS", "l", "c", "COUNT", "-1"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "MAXLEN", "-1"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(Run({"LPOS", "l", "c", "RANK"}), kSyntax);
  EXPECT_EQ(Run({"LPOS", "l", "c", "FOO", "1"}), kSyntax);
  // Options are checked before the key.
  EXPECT_EQ(Run({"LPOS", "none", "c", "RANK", "0"}).substr(0, 20), "-ERR RANK can't be z");
}

// ---------------------------------------------------------------------------------------------
// LMOVE RPOPLPUSH

TEST_F(ListFamilyTest, MoveBetweenListsAndSignalTheDestination) {
  Run({"RPUSH", "src", "a", "b", "c"});
  Outcome o = RunCtx({"LMOVE", "src", "dst", "LEFT", "RIGHT"});
  EXPECT_EQ(o.reply, Bulk("a"));
  EXPECT_EQ(o.dirty, 1);
  EXPECT_EQ(o.ready_keys, std::vector<std::string>{"dst"});
  EXPECT_TRUE(o.propagated.empty());
  EXPECT_EQ(Run({"RPOPLPUSH", "src", "dst"}), Bulk("c"));
  EXPECT_EQ(Range("src"), Arr({"b"}));
  EXPECT_EQ(Range("dst"), Arr({"c", "a"}));
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "right", "left"}), Bulk("b"));
  EXPECT_EQ(Run({"EXISTS", "src"}), Int(0));
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "LEFT", "LEFT"}), kNil);
  EXPECT_EQ(Run({"LMOVE", "src", "dst", "UP", "LEFT"}), kSyntax);
  client_.protocol = 3;
  EXPECT_EQ(Run({"RPOPLPUSH", "src", "dst"}), kResp3Null);
}

TEST_F(ListFamilyTest, MoveToSameListRotates) {
  Run({"RPUSH", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"RPOPLPUSH", "l", "l"}), Bulk("c"));
  EXPECT_EQ(Range("l"), Arr({"c", "a", "b"}));
  EXPECT_EQ(Run({"LMOVE", "l", "l", "LEFT", "RIGHT"}), Bulk("c"));
  EXPECT_EQ(Range("l"), Arr({"a", "b", "c"}));
  EXPECT_EQ(Run({"LMOVE", "l", "l", "LEFT", "LEFT"}), Bulk("a"));
  EXPECT_EQ(Range("l"), Arr({"a", "b", "c"}));
  Run({"RPUSH", "one", "x"});
  EXPECT_EQ(Run({"RPOPLPUSH", "one", "one"}), Bulk("x"));
  EXPECT_EQ(Range("one"), Arr({"x"}));
}

TEST_F(ListFamilyTest, MoveToWrongTypeLeavesTheSourceAlone) {
  Run({"RPUSH", "src", "a"});
  Run({"SET", "str", "v"});
  EXPECT_EQ(Run({"LMOVE", "src", "str", "LEFT", "LEFT"}), kWrongType);
  EXPECT_EQ(Range("src"), Arr({"a"}));
  // A missing source answers null before the destination's type is looked at.
  EXPECT_EQ(Run({"RPOPLPUSH", "none", "str"}), kNil);
}

// ---------------------------------------------------------------------------------------------
// LMPOP

TEST_F(ListFamilyTest, MPopServesTheFirstNonEmptyList) {
  Run({"RPUSH", "b", "1", "2", "3"});
  Outcome o = RunCtx({"LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"});
  EXPECT_EQ(o.reply, "*2\r\n" + Bulk("b") + Arr({"3", "2"}));
  EXPECT_EQ(o.dirty, 2);
  ASSERT_EQ(o.propagated.size(), 1u);
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"RPOP", "b", "2"}));
  o = RunCtx({"LMPOP", "1", "b", "LEFT", "COUNT", "10"});
  EXPECT_EQ(o.reply, "*2\r\n" + Bulk("b") + Arr({"1"}));
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"LPOP", "b", "1"}));
  EXPECT_EQ(Run({"LMPOP", "2", "a", "b", "LEFT"}), kNilArray);
  client_.protocol = 3;
  EXPECT_EQ(Run({"LMPOP", "2", "a", "b", "LEFT"}), kResp3Null);
}

TEST_F(ListFamilyTest, MPopArgumentErrors) {
  const std::string numkeys = Err("ERR numkeys should be greater than 0");
  const std::string count = Err("ERR count should be greater than 0");
  EXPECT_EQ(Run({"LMPOP", "0", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"LMPOP", "x", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"LMPOP", "2", "a", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "9223372036854775807", "a", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "a", "MIDDLE"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "0"}), count);
  EXPECT_EQ(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "-1"}), count);
  EXPECT_EQ(Run({"LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}), kSyntax);
  EXPECT_EQ(Run({"LMPOP", "1", "a", "LEFT", "COUNT"}), kSyntax);
  // BLMPOP checks the timeout after everything else.
  EXPECT_EQ(Run({"BLMPOP", "x", "0", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"BLMPOP", "x", "1", "a", "LEFT"}),
            Err("ERR timeout is not a float or out of range"));
}

// ---------------------------------------------------------------------------------------------
// Blocking commands at the handler level

TEST_F(ListFamilyTest, BlockingPopServesAtOnceAndPropagatesThePlainPop) {
  Run({"RPUSH", "b", "x", "y"});
  Outcome o = RunCtx({"BLPOP", "a", "b", "0"});
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, Arr({"b", "x"}));
  EXPECT_EQ(o.dirty, 1);
  ASSERT_EQ(o.propagated.size(), 1u);
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"LPOP", "b"}));
  o = RunCtx({"BRPOP", "b", "1.5"});
  EXPECT_EQ(o.reply, Arr({"b", "y"}));
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"RPOP", "b"}));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
}

TEST_F(ListFamilyTest, BlockingPopBlocksThenIsServedOrTimesOut) {
  Outcome o = RunCtx({"BLPOP", "a", "b", "0.25"});
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.reply, "");  // no reply while blocked
  EXPECT_EQ(o.block_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.block_timeout_ms, 250);
  EXPECT_EQ(o.dirty, 0);

  // Another client pushes; the dispatcher re-runs the handler, which is now served.
  EXPECT_EQ(RunCtx({"RPUSH", "b", "v"}).ready_keys, std::vector<std::string>{"b"});
  o = RunCtx({"BLPOP", "a", "b", "0.25"});
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, Arr({"b", "v"}));
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"LPOP", "b"}));

  // Woken but another client was faster: it blocks again.
  o = RunCtx({"BLPOP", "a", "b", "0.25"});
  EXPECT_TRUE(o.blocked);

  // The timeout run answers null without looking at the keys.
  Run({"RPUSH", "a", "late"});
  o = RunCtx({"BLPOP", "a", "b", "0.25"}, true, /*timed_out=*/true);
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, kNilArray);
  EXPECT_EQ(Run({"LLEN", "a"}), Int(1));
  client_.protocol = 3;
  EXPECT_EQ(RunCtx({"BRPOP", "z", "1"}, true, true).reply, kResp3Null);
}

TEST_F(ListFamilyTest, WokenBlockingPopServesTheReadyKeyAndIgnoresOtherTypes) {
  Run({"RPUSH", "a", "from-a"});
  Run({"RPUSH", "b", "from-b"});
  client_.block.woken = true;
  client_.block.woken_key = "b";
  // Woken by b: served from b although a, earlier in the list, has data too (as Redis).
  Outcome o = RunCtx({"BLPOP", "a", "b", "0"});
  EXPECT_EQ(o.reply, Arr({"b", "from-b"}));

  // The ready key became a string before the client ran (MULTI: LPUSH, DEL, SET): no
  // WRONGTYPE for a waiting client, it keeps waiting on all of its keys.
  Run({"SET", "c", "str"});
  client_.block.woken_key = "c";
  o = RunCtx({"BLPOP", "c", "d", "0"});
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.reply, "");
  EXPECT_EQ(o.block_keys, (std::vector<std::string>{"c", "d"}));
  o = RunCtx({"BLMPOP", "0", "1", "c", "LEFT"});
  EXPECT_TRUE(o.blocked);
  o = RunCtx({"BLMOVE", "c", "dst", "LEFT", "LEFT", "0"});
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.reply, "");

  // A first run (not woken) reports the wrong type.
  client_.block.woken = false;
  EXPECT_EQ(Run({"BLPOP", "c", "d", "0"}), kWrongType);
}

TEST_F(ListFamilyTest, BlockingPopInsideMultiAnswersAsATimeout) {
  Outcome o = RunCtx({"BLPOP", "a", "0"}, /*can_block=*/false);
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, kNilArray);
  o = RunCtx({"BLMPOP", "0", "1", "a", "LEFT"}, false);
  EXPECT_EQ(o.reply, kNilArray);
  // BLMOVE answers a null bulk here (and a null array on a timeout), as Redis does.
  o = RunCtx({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}, false);
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, kNil);
  o = RunCtx({"BRPOPLPUSH", "a", "b", "0"}, true, true);
  EXPECT_EQ(o.reply, kNilArray);
}

TEST_F(ListFamilyTest, BlockingMoveBlocksOnTheSourceOnly) {
  Outcome o = RunCtx({"BLMOVE", "src", "dst", "RIGHT", "LEFT", "3"});
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.block_keys, std::vector<std::string>{"src"});
  EXPECT_EQ(o.block_timeout_ms, 3000);
  Run({"RPUSH", "src", "a", "b"});
  o = RunCtx({"BLMOVE", "src", "dst", "right", "left", "3"});
  EXPECT_EQ(o.reply, Bulk("b"));
  EXPECT_EQ(o.ready_keys, std::vector<std::string>{"dst"});
  ASSERT_EQ(o.propagated.size(), 1u);
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"LMOVE", "src", "dst", "RIGHT", "LEFT"}));
  o = RunCtx({"BRPOPLPUSH", "src", "dst", "0"});
  EXPECT_EQ(o.reply, Bulk("a"));
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"RPOPLPUSH", "src", "dst"}));
  EXPECT_EQ(Range("dst"), Arr({"a", "b"}));
}

TEST_F(ListFamilyTest, BlockingMPop) {
  Outcome o = RunCtx({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "5"});
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.block_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.block_timeout_ms, 0);
  Run({"RPUSH", "b", "1", "2"});
  o = RunCtx({"BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "5"});
  EXPECT_EQ(o.reply, "*2\r\n" + Bulk("b") + Arr({"1", "2"}));
  EXPECT_EQ(o.propagated[0], (std::vector<std::string>{"LPOP", "b", "2"}));
}

TEST_F(ListFamilyTest, BlockingTimeoutParsing) {
  const std::string not_float = Err("ERR timeout is not a float or out of range");
  const std::string negative = Err("ERR timeout is negative");
  EXPECT_EQ(Run({"BLPOP", "a", "abc"}), not_float);
  EXPECT_EQ(Run({"BLPOP", "a", ""}), not_float);
  EXPECT_EQ(Run({"BLPOP", "a", "-1"}), negative);
  EXPECT_EQ(Run({"BRPOP", "a", "-0.01"}), negative);
  EXPECT_EQ(Run({"BLMOVE", "a", "b", "LEFT", "LEFT", "-1"}), negative);
  EXPECT_EQ(Run({"BLMOVE", "a", "b", "NO", "LEFT", "-1"}), kSyntax);  // where before timeout
  EXPECT_EQ(Run({"BRPOPLPUSH", "a", "b", "x"}), not_float);
  EXPECT_EQ(Run({"BLMPOP", "-1", "1", "a", "LEFT"}), negative);
  // On x86-64 Redis turns an out-of-range timeout into LLONG_MIN: "negative".
  EXPECT_EQ(Run({"BLPOP", "a", "1e300"}), negative);

  int64_t ms;
  std::string_view error;
  ASSERT_TRUE(ParseBlockTimeout("0.0001", &ms, &error));
  EXPECT_EQ(ms, 1);  // rounded up
  ASSERT_TRUE(ParseBlockTimeout("-0.0001", &ms, &error));
  EXPECT_EQ(ms, 0);  // ceil(-0.1) is 0: blocks forever, as in Redis
  ASSERT_TRUE(ParseBlockTimeout("0", &ms, &error));
  EXPECT_EQ(ms, 0);
  ASSERT_TRUE(ParseBlockTimeout("1e12", &ms, &error));
  EXPECT_GT(ms, 0);
}

// ---------------------------------------------------------------------------------------------
// list_ops helpers and the ListObject methods they added

TEST(ListOpsTest, RangeBoundsMatchRedis) {
  size_t from = 0, count = 0;
  ASSERT_TRUE(ListRangeBounds(0, -1, 3, &from, &count));
  EXPECT_EQ(from, 0u);
  EXPECT_EQ(count, 3u);
  EXPECT_FALSE(ListRangeBounds(0, -1, 0, &from, &count));
  EXPECT_FALSE(ListRangeBounds(-1, -2, 3, &from, &count));
  ASSERT_TRUE(ListRangeBounds(-5, 0, 3, &from, &count));
  EXPECT_EQ(count, 1u);
  size_t at;
  EXPECT_TRUE(ListIndex(-3, 3, &at));
  EXPECT_EQ(at, 0u);
  EXPECT_FALSE(ListIndex(3, 3, &at));
  EXPECT_FALSE(ListIndex(-4, 3, &at));
}

TEST(ListOpsTest, RemoveMatchingAndRotateKeepTheHeapAccountingExact) {
  // Long and short (inline) strings mixed, so survivors with and without heap buffers move past
  // removed ones of the other kind.
  const std::string big_a(40, 'a'), big_b(64, 'b');
  std::vector<std::string> input = {big_a, "x", big_b, "x", big_a, "y", big_a, "x", big_b};
  storage::ListObject list;
  for (const std::string& s : input) list.PushBack(s);
  EXPECT_EQ(list.RemoveMatching(big_a, 2, /*from_tail=*/true), 2u);
  EXPECT_EQ(list.RemoveMatching("x", 0, false), 3u);
  list.Rotate(true, false);
  list.Rotate(false, true);
  list.Rotate(false, false);

  std::vector<std::string> expect = {big_a, big_b, "y", big_b};
  ASSERT_EQ(list.size(), expect.size());
  storage::ListObject fresh;
  for (size_t i = 0; i < expect.size(); ++i) {
    EXPECT_EQ(list.At(i), expect[i]) << i;
    fresh.PushBack(expect[i]);
  }
  EXPECT_EQ(list.MemoryUsage(), fresh.MemoryUsage());
  EXPECT_EQ(list.RemoveMatching(big_b, 0, false), 2u);
  EXPECT_EQ(list.RemoveMatching("nope", 0, false), 0u);
  storage::ListObject fresh2;
  fresh2.PushBack(big_a);
  fresh2.PushBack("y");
  EXPECT_EQ(list.MemoryUsage(), fresh2.MemoryUsage());
  EXPECT_EQ(ListEncoding(list), "quicklist");
}

}  // namespace
}  // namespace ferrite::commands
