// Unit tests for the set family (commands/set_family.cc) and its operations
// (commands/set_ops.h), run in-process against the HybridLog store on a memory device.

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "commands/set_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/pending_once_session.h"
#include "commands/testing/resp_literals.h"

namespace ferrite::commands {
namespace {

using Strings = std::vector<std::string>;
using storage::SetObject;
using storage::ValueType;

// Parses one aggregate of bulk strings (`*`, `~`) into its elements; `type` gets the header.
Strings Members(const std::string& resp, char* type = nullptr) {
  Strings out;
  if (type != nullptr) *type = resp.empty() ? '?' : resp[0];
  if (resp.empty() || (resp[0] != '*' && resp[0] != '~')) {
    ADD_FAILURE() << "not an array or set: " << resp;
    return out;
  }
  size_t eol = resp.find("\r\n");
  const int n = std::stoi(resp.substr(1, eol - 1));
  size_t pos = eol + 2;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(resp[pos], '$') << resp;
    eol = resp.find("\r\n", pos);
    const size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    out.push_back(resp.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  EXPECT_EQ(pos, resp.size()) << resp;
  return out;
}
Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}
Strings SortedMembers(const std::string& resp) { return Sorted(Members(resp)); }

class SetFamilyTest : public testing::CommandFixture {
 protected:
  void PutString(std::string_view key) { ASSERT_EQ(Run({"SET", key, "text"}), kOk); }
  void Add(std::string_view key, const Strings& members) {
    std::vector<std::string_view> args{"SADD", key};
    for (const auto& m : members) args.push_back(m);
    Run(args);
  }
  std::string Encoding(std::string_view key) {
    std::string encoding = "none";
    Status st = session_->Read(client_.db, key, [&](const storage::RecordView& r) {
      if (r.type == ValueType::kSet)
        encoding = SetEncoding(static_cast<const SetObject&>(*r.object));
    });
    EXPECT_TRUE(st.ok() || st.IsNotFound());
    return encoding;
  }
  void PendOnce(std::string key) {
    session_ = std::make_unique<testing::PendingOnceSession>(std::move(session_), std::move(key));
  }
  static Strings Range(int from, int to) {
    Strings out;
    for (int i = from; i < to; ++i) out.push_back(std::to_string(i));
    return out;
  }
};

// ---------------------------------------------------------------------------------------------
// SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS

TEST_F(SetFamilyTest, Basics) {
  EXPECT_EQ(Run({"SADD", "s", "foo", "bar", "foo"}), Int(2));
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"SADD", "s", "bar"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(2));
  EXPECT_EQ(Run({"SCARD", "missing"}), Int(0));
  EXPECT_EQ(Run({"SISMEMBER", "s", "foo"}), Int(1));
  EXPECT_EQ(Run({"SISMEMBER", "s", "bla"}), Int(0));
  EXPECT_EQ(Run({"SISMEMBER", "missing", "foo"}), Int(0));
  EXPECT_EQ(Run({"SMISMEMBER", "s", "bla", "foo"}), "*2\r\n" + Int(0) + Int(1));
  EXPECT_EQ(Run({"SMISMEMBER", "missing", "a", "b"}), "*2\r\n" + Int(0) + Int(0));
  EXPECT_EQ(SortedMembers(Run({"SMEMBERS", "s"})), (Strings{"bar", "foo"}));
  EXPECT_EQ(Run({"SMEMBERS", "missing"}), "*0\r\n");
  EXPECT_EQ(Run({"TYPE", "s"}), "+set\r\n");
}

TEST_F(SetFamilyTest, Resp3RepliesAreSets) {
  client_.protocol = 3;
  Add("a", {"1", "2"});
  Add("b", {"2", "3"});
  char type;
  Members(Run({"SMEMBERS", "a"}), &type);
  EXPECT_EQ(type, '~');
  EXPECT_EQ(Run({"SMEMBERS", "missing"}), "~0\r\n");
  for (auto cmd : {"SINTER", "SUNION", "SDIFF"}) {
    Members(Run({cmd, "a", "b"}), &type);
    EXPECT_EQ(type, '~') << cmd;
  }
  EXPECT_EQ(Run({"SINTER", "a", "missing"}), "~0\r\n");
  Members(Run({"SPOP", "a", "1"}), &type);
  EXPECT_EQ(type, '~');
  EXPECT_EQ(Run({"SPOP", "missing", "3"}), "~0\r\n");
  Members(Run({"SRANDMEMBER", "b", "5"}), &type);
  EXPECT_EQ(type, '*');  // SRANDMEMBER answers an array
  EXPECT_EQ(Run({"SPOP", "missing"}), "_\r\n");
}

TEST_F(SetFamilyTest, SRemAndTheEmptyKey) {
  Add("s", {"a", "b", "c"});
  EXPECT_EQ(Run({"SREM", "s", "a", "zz", "a"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"SREM", "s", "zz"}), Int(0));
  EXPECT_EQ(Run({"SREM", "s", "b", "c", "d"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SREM", "missing", "a"}), Int(0));
}

TEST_F(SetFamilyTest, WrongTypeEverywhere) {
  PutString("str");
  Add("s", {"a"});
  for (auto cmd : std::vector<std::vector<std::string_view>>{
           {"SADD", "str", "a"},
           {"SREM", "str", "a"},
           {"SCARD", "str"},
           {"SISMEMBER", "str", "a"},
           {"SMISMEMBER", "str", "a"},
           {"SMEMBERS", "str"},
           {"SRANDMEMBER", "str"},
           {"SRANDMEMBER", "str", "3"},
           {"SPOP", "str"},
           {"SPOP", "str", "0"},
           {"SPOP", "str", "2"},
           {"SSCAN", "str", "0"},
           {"SINTER", "missing", "str"},
           {"SUNION", "s", "str"},
           {"SDIFF", "missing", "str"},
           {"SINTERCARD", "2", "missing", "str"},
           {"SINTERSTORE", "dst", "s", "str"},
           {"SMOVE", "str", "s", "a"},
           {"SMOVE", "s", "str", "a"},
       }) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SCARD", "s"}), Int(1));
  // SMOVE from a missing source answers 0 before looking at the destination's type.
  EXPECT_EQ(Run({"SMOVE", "missing", "str", "a"}), Int(0));
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING helper

TEST_F(SetFamilyTest, EncodingFollowsRedisThresholds) {
  Add("i", {"1", "2", "3"});
  EXPECT_EQ(Encoding("i"), "intset");
  EXPECT_EQ(Run({"SADD", "i", "a"}), Int(1));
  EXPECT_EQ(Encoding("i"), "hashtable");
  EXPECT_EQ(Run({"SREM", "i", "a"}), Int(1));
  EXPECT_EQ(Encoding("i"), "hashtable");  // never converted back

  Add("big", Range(0, 512));
  EXPECT_EQ(Encoding("big"), "intset");
  EXPECT_EQ(Run({"SADD", "big", "512"}), Int(1));
  EXPECT_EQ(Encoding("big"), "hashtable");

  Add("huge", {"213244124402402314402033402"});  // beyond int64
  EXPECT_EQ(Encoding("huge"), "hashtable");
  Add("odd", {"01"});  // not canonical
  EXPECT_EQ(Encoding("odd"), "hashtable");
}

TEST_F(SetFamilyTest, StoreResultEncodingStartsFromIntset) {
  Add("a", {"1", "2", "x"});
  Add("b", {"1", "2", "y"});
  EXPECT_EQ(Run({"SINTERSTORE", "r", "a", "b"}), Int(2));
  EXPECT_EQ(Encoding("r"), "intset");
  EXPECT_EQ(Run({"SUNIONSTORE", "r", "a", "b"}), Int(4));
  EXPECT_EQ(Encoding("r"), "hashtable");
}

// ---------------------------------------------------------------------------------------------
// SPOP

TEST_F(SetFamilyTest, SPopSingle) {
  EXPECT_EQ(Run({"SPOP", "missing"}), kNil);
  Add("s", {"a", "b", "c"});
  Strings popped;
  for (int i = 0; i < 3; ++i) {
    std::string r = Run({"SPOP", "s"});
    ASSERT_EQ(r[0], '$');
    popped.push_back(r.substr(r.find("\r\n") + 2, 1));
    EXPECT_EQ(last_dirty_, 1);
    ASSERT_EQ(last_propagated_.size(), 1u);
    EXPECT_EQ(last_propagated_[0], (Strings{"SREM", "s", popped.back()}));
  }
  EXPECT_EQ(Sorted(popped), (Strings{"a", "b", "c"}));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SPOP", "s", "1", "2"}), kSyntax);
}

TEST_F(SetFamilyTest, SPopWithCount) {
  Add("s", Range(0, 20));
  Strings first = Members(Run({"SPOP", "s", "5"}));
  EXPECT_EQ(first.size(), 5u);
  EXPECT_EQ(last_dirty_, 5);
  ASSERT_EQ(last_propagated_.size(), 1u);  // one batched SREM
  Strings expected{"SREM", "s"};
  expected.insert(expected.end(), first.begin(), first.end());
  EXPECT_EQ(last_propagated_[0], expected);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(15));
  for (const auto& m : first) EXPECT_EQ(Run({"SISMEMBER", "s", m}), Int(0));

  EXPECT_EQ(Run({"SPOP", "s", "0"}), "*0\r\n");
  EXPECT_EQ(last_dirty_, 0);
  // count >= size: the whole set, propagated as DEL.
  Strings rest = Members(Run({"SPOP", "s", "100"}));
  EXPECT_EQ(rest.size(), 15u);
  EXPECT_EQ(last_dirty_, 15);
  ASSERT_EQ(last_propagated_.size(), 1u);
  EXPECT_EQ(last_propagated_[0], (Strings{"DEL", "s"}));
  Strings all = first;
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_EQ(Sorted(all), Sorted(Range(0, 20)));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SPOP", "s", "3"}), "*0\r\n");

  EXPECT_EQ(Run({"SPOP", "s", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(Run({"SPOP", "s", "x"}), Err("ERR value is out of range, must be positive"));
}

TEST_F(SetFamilyTest, SPopLargeCountPropagatesInBatches) {
  Add("s", Range(0, 3000));
  Strings popped = Members(Run({"SPOP", "s", "2500"}));
  EXPECT_EQ(popped.size(), 2500u);
  ASSERT_EQ(last_propagated_.size(), 3u);
  size_t total = 0;
  for (const auto& cmd : last_propagated_) {
    EXPECT_EQ(cmd[0], "SREM");
    total += cmd.size() - 2;
  }
  EXPECT_EQ(total, 2500u);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(500));
}

// ---------------------------------------------------------------------------------------------
// SRANDMEMBER

TEST_F(SetFamilyTest, SRandMember) {
  EXPECT_EQ(Run({"SRANDMEMBER", "missing"}), kNil);
  EXPECT_EQ(Run({"SRANDMEMBER", "missing", "5"}), "*0\r\n");
  Add("s", Range(0, 50));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "0"}), "*0\r\n");
  std::set<std::string> seen;
  for (int i = 0; i < 3000; ++i) seen.insert(Members("*1\r\n" + Run({"SRANDMEMBER", "s"}))[0]);
  EXPECT_EQ(seen.size(), 50u);  // every member comes up (P(miss) ~ 50 * 0.98^3000 < 1e-24)
  EXPECT_EQ(SortedMembers(Run({"SRANDMEMBER", "s", "50"})), Sorted(Range(0, 50)));
  EXPECT_EQ(SortedMembers(Run({"SRANDMEMBER", "s", "1000"})), Sorted(Range(0, 50)));
  for (const char* n : {"1", "10", "20", "49"}) {  // both sampling strategies
    Strings some = Members(Run({"SRANDMEMBER", "s", n}));
    EXPECT_EQ(some.size(), std::stoul(n));
    EXPECT_EQ(std::set<std::string>(some.begin(), some.end()).size(), some.size());
  }
  Strings many = Members(Run({"SRANDMEMBER", "s", "-200"}));
  EXPECT_EQ(many.size(), 200u);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(50));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "x"}), kNotInt);
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "1", "2"}), kSyntax);
}

// ---------------------------------------------------------------------------------------------
// SMOVE

TEST_F(SetFamilyTest, SMove) {
  Add("src", {"a", "b"});
  Add("dst", {"b"});
  EXPECT_EQ(Run({"SMOVE", "src", "dst", "a"}), Int(1));
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(SortedMembers(Run({"SMEMBERS", "dst"})), (Strings{"a", "b"}));
  EXPECT_EQ(Run({"SMOVE", "src", "dst", "b"}), Int(1));  // already in dst
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "src"}), Int(0));  // emptied source goes away
  EXPECT_EQ(Run({"SMOVE", "src", "dst", "a"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "dst", "dst", "a"}), Int(1));  // same key: a membership test
  EXPECT_EQ(Run({"SMOVE", "dst", "dst", "zz"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "dst", "dst2", "zz"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "dst", "fresh", "a"}), Int(1));
  EXPECT_EQ(Run({"SMEMBERS", "fresh"}), "*1\r\n" + Bulk("a"));
}

TEST_F(SetFamilyTest, SMovePendingLeavesNothingHalfDone) {
  Add("src", {"a", "b"});
  Add("dst", {"c"});
  PendOnce("dst");
  EXPECT_EQ(Run({"SMOVE", "src", "dst", "a"}), "");
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"SCARD", "src"}), Int(2));
  EXPECT_EQ(Run({"SMOVE", "src", "dst", "a"}), Int(1));
  EXPECT_EQ(Run({"SCARD", "dst"}), Int(2));
}

// ---------------------------------------------------------------------------------------------
// SINTER SUNION SDIFF SINTERCARD

TEST_F(SetFamilyTest, Algebra) {
  Add("a", {"1", "2", "3", "4"});
  Add("b", {"3", "4", "5"});
  Add("c", {"4", "5", "6"});
  EXPECT_EQ(SortedMembers(Run({"SINTER", "a", "b"})), (Strings{"3", "4"}));
  EXPECT_EQ(SortedMembers(Run({"SINTER", "a", "b", "c"})), (Strings{"4"}));
  EXPECT_EQ(SortedMembers(Run({"SINTER", "a", "a"})), (Strings{"1", "2", "3", "4"}));
  EXPECT_EQ(Run({"SINTER", "a", "missing"}), "*0\r\n");
  EXPECT_EQ(SortedMembers(Run({"SUNION", "a", "missing", "c"})),
            (Strings{"1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(Run({"SUNION", "missing"}), "*0\r\n");
  EXPECT_EQ(SortedMembers(Run({"SDIFF", "a", "b"})), (Strings{"1", "2"}));
  EXPECT_EQ(SortedMembers(Run({"SDIFF", "a", "b", "c", "missing"})), (Strings{"1", "2"}));
  EXPECT_EQ(Run({"SDIFF", "a", "a"}), "*0\r\n");
  EXPECT_EQ(Run({"SDIFF", "a", "b", "a"}), "*0\r\n");
  EXPECT_EQ(Run({"SDIFF", "missing", "a"}), "*0\r\n");
  EXPECT_EQ(SortedMembers(Run({"SDIFF", "a"})), (Strings{"1", "2", "3", "4"}));
  // The sources are untouched.
  EXPECT_EQ(Run({"SCARD", "a"}), Int(4));
}

TEST_F(SetFamilyTest, DiffSubtractsThroughEitherSide) {
  Add("big", Range(0, 100));
  Add("small", {"5", "50", "500"});
  EXPECT_EQ(Members(Run({"SDIFF", "big", "small"})).size(), 98u);
  EXPECT_EQ(SortedMembers(Run({"SDIFF", "small", "big"})), (Strings{"500"}));
}

TEST_F(SetFamilyTest, SInterCard) {
  Add("a", Range(0, 200));
  Add("b", Range(195, 400));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b"}), Int(5));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "0"}), Int(5));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "limit", "3"}), Int(3));
  EXPECT_EQ(Run({"SINTERCARD", "1", "missing"}), Int(0));
  EXPECT_EQ(Run({"SINTERCARD", "0", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "x", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"SINTERCARD", "3", "a", "b"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "b"}), kSyntax);
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT"}), kSyntax);
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(Run({"SINTERCARD", "1", "a", "LIMIT", "x"}), Err("ERR LIMIT can't be negative"));
}

TEST_F(SetFamilyTest, StoreOverwritesAnyTypeAndDeletesOnEmpty) {
  Add("a", {"1", "2"});
  Add("b", {"2", "3"});
  ASSERT_EQ(Run({"SET", "dst", "string", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"SINTERSTORE", "dst", "a", "b"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"TYPE", "dst"}), "+set\r\n");
  EXPECT_EQ(Run({"TTL", "dst"}), Int(-1));
  EXPECT_EQ(Run({"SMEMBERS", "dst"}), "*1\r\n" + Bulk("2"));
  EXPECT_EQ(Run({"SUNIONSTORE", "dst", "a", "b"}), Int(3));
  EXPECT_EQ(Run({"SDIFFSTORE", "dst", "a", "b"}), Int(1));
  EXPECT_EQ(Run({"SMEMBERS", "dst"}), "*1\r\n" + Bulk("1"));
  // A destination that is also a source.
  EXPECT_EQ(Run({"SUNIONSTORE", "a", "a", "b"}), Int(3));
  EXPECT_EQ(SortedMembers(Run({"SMEMBERS", "a"})), (Strings{"1", "2", "3"}));
  // An empty result deletes the destination.
  EXPECT_EQ(Run({"SINTERSTORE", "dst", "a", "missing"}), Int(0));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SDIFFSTORE", "dst", "a", "a"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);  // nothing was there to delete
}

TEST_F(SetFamilyTest, StorePendingOnSourceWritesNothing) {
  Add("a", {"1", "2"});
  Add("b", {"2", "3"});
  PendOnce("b");
  EXPECT_EQ(Run({"SUNIONSTORE", "dst", "a", "b"}), "");
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SUNIONSTORE", "dst", "a", "b"}), Int(3));
}

// ---------------------------------------------------------------------------------------------
// SSCAN

TEST_F(SetFamilyTest, SScan) {
  EXPECT_EQ(Run({"SSCAN", "missing", "0"}), "*2\r\n" + Bulk("0") + "*0\r\n");
  Add("small", {"1", "2", "3"});
  EXPECT_EQ(Run({"SSCAN", "small", "0", "COUNT", "1"}),
            "*2\r\n" + Bulk("0") + "*3\r\n" + Bulk("1") + Bulk("2") + Bulk("3"));
  Add("big", Range(0, 1000));
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string r = Run({"SSCAN", "big", cursor, "COUNT", "50"});
    // "*2\r\n$<n>\r\n<cursor>\r\n*<k>..."
    size_t p = r.find("\r\n", 4);
    size_t len = std::stoul(r.substr(5, p - 5));
    cursor = r.substr(p + 2, len);
    for (auto& m : Members(r.substr(p + 2 + len + 2))) seen.insert(m);
    ++calls;
  } while (cursor != "0" && calls < 1000);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GE(calls, 20);
  EXPECT_EQ(Run({"SSCAN", "big", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SSCAN", "big", "0", "COUNT", "0"}), kSyntax);
}

TEST_F(SetFamilyTest, SScanMatchOnIntset) {
  Add("s", Range(0, 30));
  std::string r = Run({"SSCAN", "s", "0", "MATCH", "1*"});
  EXPECT_EQ(r.substr(0, 11), "*2\r\n$1\r\n0\r\n");
  EXPECT_EQ(SortedMembers(r.substr(11)),
            (Strings{"1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19"}));
}

// ---------------------------------------------------------------------------------------------
// Updaters on the copy path (a record below the mutable region), driven directly.

struct CopyPath {
  SetObject old;
  storage::RecordBuilder out;
  storage::RecordView View() {
    out.type = ValueType::kSet;
    out.object = old.Clone();
    return storage::RecordView{
        ValueType::kSet, storage::kNoExpiry, {}, storage::Tier::kReadOnly, &old};
  }
  const SetObject& Result() const { return static_cast<const SetObject&>(*out.object); }
};

TEST(SetUpdaterTest, CopyUpdates) {
  CopyPath path;
  path.old.table().Set("a", storage::NoValue{});
  const std::string_view add[] = {"a", "b"};
  SetAddUpdater adder(add);
  ASSERT_TRUE(adder.CopyUpdate(path.View(), path.out).ok());
  EXPECT_EQ(adder.added, 1);
  EXPECT_EQ(path.Result().Length(), 2u);
  EXPECT_EQ(path.old.Length(), 1u);
  const std::string_view same[] = {"a"};
  SetAddUpdater noop(same);
  EXPECT_EQ(noop.CopyUpdate(path.View(), path.out).code(), StatusCode::kAborted);

  SetRemUpdater rem(same);
  EXPECT_TRUE(rem.CopyUpdate(path.View(), path.out).IsNotFound());  // emptied: delete the key
  EXPECT_EQ(rem.removed, 1);

  SetPopUpdater pop(5);
  EXPECT_TRUE(pop.CopyUpdate(path.View(), path.out).IsNotFound());
  EXPECT_TRUE(pop.whole);
  EXPECT_EQ(pop.popped, (Strings{"a"}));

  storage::RecordBuilder out;
  storage::RecordView string_view{ValueType::kString, storage::kNoExpiry, "x"};
  SetPopUpdater wrong(1);
  EXPECT_EQ(wrong.CopyUpdate(string_view, out).code(), StatusCode::kWrongType);
}

TEST(SetEncodingTest, ComputedWithoutTheFlag) {
  SetObject set;
  set.table().Set("1", storage::NoValue{});
  set.table().Set("-5", storage::NoValue{});
  EXPECT_EQ(SetEncoding(set), "intset");
  set.table().Set("x", storage::NoValue{});
  EXPECT_EQ(SetEncoding(set), "hashtable");
  set.table().Erase("x");
  EXPECT_EQ(SetEncoding(set), "intset");
  ResetSetEncoding(set, {});
  EXPECT_FALSE(set.hashtable_encoding);
  set.table().Set("y", storage::NoValue{});
  ResetSetEncoding(set, {});
  EXPECT_TRUE(set.hashtable_encoding);
}

}  // namespace
}  // namespace ferrite::commands
