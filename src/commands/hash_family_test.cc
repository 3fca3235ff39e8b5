// Unit tests for the hash family (commands/hash_family.cc) and its updaters
// (commands/hash_ops.h), run in-process against the HybridLog store on a memory device.

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "commands/hash_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"
#include "server/config/config.h"
#include "server/config/runtime_config.h"

namespace ferrite::commands {
namespace {

using Strings = std::vector<std::string>;
using storage::HashObject;
using storage::ValueType;

// A RESP reply parsed into its leaf strings (bulks and integers) in order, after checking the
// aggregate headers (`*`, `%`, `~`) announce the right sizes; `types` records each header char.
struct Parsed {
  Strings leaves;
  std::string types;
};
void ParseInto(const std::string& resp, size_t* pos, Parsed* out) {
  const char t = resp[*pos];
  const size_t eol = resp.find("\r\n", *pos);
  const std::string head = resp.substr(*pos + 1, eol - *pos - 1);
  *pos = eol + 2;
  if (t == '$') {
    const size_t len = std::stoul(head);
    out->leaves.push_back(resp.substr(*pos, len));
    *pos += len + 2;
  } else if (t == ':' || t == '+') {
    out->leaves.push_back(head);
  } else if (t == '*' || t == '~' || t == '%') {
    out->types.push_back(t);
    const size_t n = std::stoul(head) * (t == '%' ? 2 : 1);
    for (size_t i = 0; i < n; ++i) ParseInto(resp, pos, out);
  } else {
    ADD_FAILURE() << "unexpected reply " << resp;
    *pos = resp.size();
  }
}
Parsed Parse(const std::string& resp) {
  Parsed p;
  size_t pos = 0;
  ParseInto(resp, &pos, &p);
  EXPECT_EQ(pos, resp.size()) << resp;
  return p;
}
Strings Leaves(const std::string& resp) { return Parse(resp).leaves; }
Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

class HashFamilyTest : public testing::CommandFixture {
 protected:
  void PutString(std::string_view key) { ASSERT_EQ(Run({"SET", key, "text"}), kOk); }
  std::string Encoding(std::string_view key) {
    std::string encoding = "none";
    Status st = session_->Read(client_.db, key, [&](const storage::RecordView& r) {
      if (r.type == ValueType::kHash) {
        encoding = HashEncoding(static_cast<const HashObject&>(*r.object));
      }
    });
    EXPECT_TRUE(st.ok() || st.IsNotFound());
    return encoding;
  }
  // Fills `key` with n fields f0..f(n-1) = v0..
  void Fill(std::string_view key, int n) {
    for (int i = 0; i < n; ++i) {
      std::string f = "f" + std::to_string(i), v = "v" + std::to_string(i);
      ASSERT_EQ(Run({"HSET", key, f, v}), Int(1));
    }
  }
  uint64_t Hits() { return server_.stats().Sum(&server::ThreadStats::keyspace_hits); }
  uint64_t Misses() { return server_.stats().Sum(&server::ThreadStats::keyspace_misses); }
};

// ---------------------------------------------------------------------------------------------
// HSET HGET HMSET HMGET HSETNX

TEST_F(HashFamilyTest, HSetHGetBasics) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"HSET", "h", "a", "10", "c", "3"}), Int(1));  // one new, one overwritten
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"HSET", "h", "d", "x", "d", "y"}), Int(1));  // the same field twice
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("10"));
  EXPECT_EQ(Run({"HGET", "h", "d"}), Bulk("y"));
  EXPECT_EQ(Run({"HGET", "h", "nope"}), kNil);
  EXPECT_EQ(Run({"HGET", "missing", "a"}), kNil);
  EXPECT_EQ(Run({"TYPE", "h"}), "+hash\r\n");
  client_.protocol = 3;
  EXPECT_EQ(Run({"HGET", "h", "nope"}), "_\r\n");
  EXPECT_EQ(Run({"HGET", "missing", "a"}), "_\r\n");
}

TEST_F(HashFamilyTest, BinarySafeFieldsAndValues) {
  const std::string field("f\0\r\n", 4), value("v\0x", 3);
  EXPECT_EQ(Run({"HSET", "h", field, value, "", ""}), Int(2));
  EXPECT_EQ(Run({"HGET", "h", field}), Bulk(value));
  EXPECT_EQ(Run({"HGET", "h", ""}), Bulk(""));
  EXPECT_EQ(Run({"HSTRLEN", "h", field}), Int(3));
}

TEST_F(HashFamilyTest, HSetOddArgumentsIsArityError) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HMSET", "h", "a"}), Err("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));
}

TEST_F(HashFamilyTest, HMSetHMGet) {
  EXPECT_EQ(Run({"HMSET", "h", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(last_dirty_, 2);
  EXPECT_EQ(Run({"HMGET", "h", "a", "zz", "b"}), "*3\r\n" + Bulk("1") + kNil + Bulk("2"));
  EXPECT_EQ(Run({"HMGET", "missing", "a", "b"}), "*2\r\n" + kNil + kNil);
  PutString("s");
  EXPECT_EQ(Run({"HMGET", "s", "a"}), kWrongType);
}

TEST_F(HashFamilyTest, HSetNx) {
  EXPECT_EQ(Run({"HSETNX", "h", "a", "1"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"HSETNX", "h", "a", "2"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"HSETNX", "h", "b", "2"}), Int(1));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(2));
  PutString("s");
  EXPECT_EQ(Run({"HSETNX", "s", "a", "1"}), kWrongType);
}

// ---------------------------------------------------------------------------------------------
// HDEL HLEN HSTRLEN HEXISTS

TEST_F(HashFamilyTest, HDelRemovesFieldsAndTheEmptyKey) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2", "c", "3"}), Int(3));
  EXPECT_EQ(Run({"HDEL", "h", "a", "zz", "a"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"HDEL", "h", "zz"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"HLEN", "h"}), Int(2));
  EXPECT_EQ(Run({"HDEL", "h", "b", "c", "d"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0));  // a collection never exists empty
  EXPECT_EQ(Run({"HDEL", "h", "a"}), Int(0));
  EXPECT_EQ(Run({"HDEL", "missing", "a"}), Int(0));
}

TEST_F(HashFamilyTest, HLenHStrLenHExists) {
  EXPECT_EQ(Run({"HSET", "h", "a", "hello", "b", ""}), Int(2));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(2));
  EXPECT_EQ(Run({"HLEN", "missing"}), Int(0));
  EXPECT_EQ(Run({"HSTRLEN", "h", "a"}), Int(5));
  EXPECT_EQ(Run({"HSTRLEN", "h", "b"}), Int(0));
  EXPECT_EQ(Run({"HSTRLEN", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HSTRLEN", "missing", "a"}), Int(0));
  EXPECT_EQ(Run({"HEXISTS", "h", "a"}), Int(1));
  EXPECT_EQ(Run({"HEXISTS", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HEXISTS", "missing", "a"}), Int(0));
}

TEST_F(HashFamilyTest, WrongTypeEverywhere) {
  PutString("s");
  for (auto cmd : std::vector<std::vector<std::string_view>>{
           {"HSET", "s", "a", "1"},
           {"HMSET", "s", "a", "1"},
           {"HGET", "s", "a"},
           {"HDEL", "s", "a"},
           {"HLEN", "s"},
           {"HSTRLEN", "s", "a"},
           {"HEXISTS", "s", "a"},
           {"HKEYS", "s"},
           {"HVALS", "s"},
           {"HGETALL", "s"},
           {"HINCRBY", "s", "a", "1"},
           {"HINCRBYFLOAT", "s", "a", "1"},
           {"HRANDFIELD", "s"},
           {"HRANDFIELD", "s", "2"},
           {"HSCAN", "s", "0"},
       }) {
    EXPECT_EQ(Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"GET", "s"}), Bulk("text"));
}

TEST_F(HashFamilyTest, KeyspaceStatistics) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1"}), Int(1));
  const uint64_t hits = Hits(), misses = Misses();
  Run({"HGET", "h", "a"});
  Run({"HGET", "h", "zz"});  // a hit: the key exists
  Run({"HGET", "nope", "a"});
  EXPECT_EQ(Hits(), hits + 2);
  EXPECT_EQ(Misses(), misses + 1);
}

// ---------------------------------------------------------------------------------------------
// HKEYS HVALS HGETALL

TEST_F(HashFamilyTest, HGetAllKeysValsInBothProtocols) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2"}), Int(2));
  // Insertion order, as a listpack keeps it.
  EXPECT_EQ(Run({"HKEYS", "h"}), "*2\r\n" + Bulk("a") + Bulk("b"));
  EXPECT_EQ(Run({"HVALS", "h"}), "*2\r\n" + Bulk("1") + Bulk("2"));
  EXPECT_EQ(Run({"HGETALL", "h"}), "*4\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2"));
  EXPECT_EQ(Run({"HGETALL", "missing"}), "*0\r\n");
  EXPECT_EQ(Run({"HKEYS", "missing"}), "*0\r\n");
  client_.protocol = 3;
  EXPECT_EQ(Run({"HGETALL", "h"}), "%2\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2"));
  EXPECT_EQ(Run({"HGETALL", "missing"}), "%0\r\n");
  EXPECT_EQ(Run({"HKEYS", "h"}), "*2\r\n" + Bulk("a") + Bulk("b"));
  EXPECT_EQ(Run({"HVALS", "missing"}), "*0\r\n");
}

// ---------------------------------------------------------------------------------------------
// HINCRBY HINCRBYFLOAT

TEST_F(HashFamilyTest, HIncrBy) {
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "5"}), Int(5));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "-7"}), Int(-2));
  EXPECT_EQ(Run({"HGET", "h", "n"}), Bulk("-2"));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "x"}), kNotInt);
  EXPECT_EQ(Run({"HSET", "h", "s", "abc", "sp", " 1"}), Int(2));
  EXPECT_EQ(Run({"HINCRBY", "h", "s", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBY", "h", "sp", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"HSET", "h", "big", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"HINCRBY", "h", "big", "1"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"HGET", "h", "big"}), Bulk("9223372036854775807"));
  EXPECT_EQ(Run({"HINCRBY", "h", "small", "-9223372036854775808"}),
            Int(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(Run({"HINCRBY", "h", "small", "-1"}), Err("ERR increment or decrement would overflow"));
}

TEST_F(HashFamilyTest, HIncrByFloatPropagatesHSet) {
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(last_dirty_, 1);
  ASSERT_EQ(last_propagated_.size(), 1u);
  EXPECT_EQ(last_propagated_[0], (Strings{"HSET", "h", "f", "10.5"}));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "-10.6"}), Bulk("0"));
  EXPECT_EQ(Run({"HSET", "h", "i", "3", "s", "abc"}), Int(2));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "i", "1.5e3"}), Bulk("1503"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "s", "1"}), Err("ERR hash value is not a float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "abc"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "inf"}), Err("ERR value is NaN or Infinity"));
  EXPECT_EQ(Run({"HSET", "h", "huge", "1.1e4932"}), Int(1));  // near LDBL_MAX
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "huge", "1.1e4932"}),
            Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(last_dirty_, 0);
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD

TEST_F(HashFamilyTest, HRandFieldWithoutCount) {
  EXPECT_EQ(Run({"HRANDFIELD", "missing"}), kNil);
  Fill("h", 3);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(Leaves(Run({"HRANDFIELD", "h"}))[0]);
  EXPECT_EQ(seen, (std::set<std::string>{"f0", "f1", "f2"}));
}

TEST_F(HashFamilyTest, HRandFieldCounts) {
  EXPECT_EQ(Run({"HRANDFIELD", "missing", "5"}), "*0\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "missing", "-5", "WITHVALUES"}), "*0\r\n");
  Fill("h", 10);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  // count >= size: the whole hash.
  Strings all = Sorted(Leaves(Run({"HRANDFIELD", "h", "100"})));
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 10u);
  // 0 < count < size: distinct fields (both sampling strategies).
  for (const char* n : {"2", "4", "9"}) {
    Strings some = Leaves(Run({"HRANDFIELD", "h", n}));
    EXPECT_EQ(some.size(), std::stoul(n));
    EXPECT_EQ(std::set<std::string>(some.begin(), some.end()).size(), some.size());
  }
  // Negative: exactly |count| draws, repetitions allowed.
  Strings many = Leaves(Run({"HRANDFIELD", "h", "-50"}));
  EXPECT_EQ(many.size(), 50u);
  for (const auto& f : many) EXPECT_EQ(f[0], 'f');
}

TEST_F(HashFamilyTest, HRandFieldWithValuesShapes) {
  Fill("h", 5);
  // RESP2: a flat array of field, value, field, value...
  Parsed flat = Parse(Run({"HRANDFIELD", "h", "3", "WITHVALUES"}));
  EXPECT_EQ(flat.types, "*");
  ASSERT_EQ(flat.leaves.size(), 6u);
  for (size_t i = 0; i < 6; i += 2)
    EXPECT_EQ(flat.leaves[i].substr(1), flat.leaves[i + 1].substr(1));
  flat = Parse(Run({"HRANDFIELD", "h", "-7", "withvalues"}));
  EXPECT_EQ(flat.leaves.size(), 14u);
  // RESP3: an array of [field, value] pairs.
  client_.protocol = 3;
  Parsed nested = Parse(Run({"HRANDFIELD", "h", "-3", "WITHVALUES"}));
  EXPECT_EQ(nested.types, "****");
  EXPECT_EQ(nested.leaves.size(), 6u);
  nested = Parse(Run({"HRANDFIELD", "h", "10", "WITHVALUES"}));
  EXPECT_EQ(nested.types, "******");
  EXPECT_EQ(Run({"HRANDFIELD", "h", "2"}).substr(0, 4), "*2\r\n");  // no values: flat
}

TEST_F(HashFamilyTest, HRandFieldErrors) {
  Fill("h", 2);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "x"}), kNotInt);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "WITHSCORES"}), kSyntax);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "1", "WITHVALUES", "x"}), kSyntax);
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"}),
            Err("ERR value is out of range"));
}

// ---------------------------------------------------------------------------------------------
// HSCAN

TEST_F(HashFamilyTest, HScanSmallHashInOneCall) {
  EXPECT_EQ(Run({"HSCAN", "missing", "0"}), "*2\r\n" + Bulk("0") + "*0\r\n");
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2", "ab", "3"}), Int(3));
  EXPECT_EQ(Run({"HSCAN", "h", "0"}), "*2\r\n" + Bulk("0") + "*6\r\n" + Bulk("a") + Bulk("1") +
                                          Bulk("b") + Bulk("2") + Bulk("ab") + Bulk("3"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH", "a*", "COUNT", "1"}),
            "*2\r\n" + Bulk("0") + "*4\r\n" + Bulk("a") + Bulk("1") + Bulk("ab") + Bulk("3"));
}

TEST_F(HashFamilyTest, HScanLargeHashWithCursor) {
  Fill("h", 300);
  ASSERT_EQ(Encoding("h"), "hashtable");
  std::map<std::string, std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Strings leaves = Leaves(Run({"HSCAN", "h", cursor, "COUNT", "20"}));
    cursor = leaves[0];
    for (size_t i = 1; i + 1 < leaves.size(); i += 2) seen[leaves[i]] = leaves[i + 1];
    ++calls;
  } while (cursor != "0" && calls < 1000);
  EXPECT_EQ(seen.size(), 300u);
  EXPECT_EQ(seen["f123"], "v123");
  EXPECT_GE(calls, 15);
  // MATCH filters fields only.
  Strings leaves = Leaves(Run({"HSCAN", "h", "0", "MATCH", "f1?", "COUNT", "1000"}));
  EXPECT_EQ(leaves[0], "0");
  EXPECT_EQ(leaves.size(), 1u + 2 * 10);
}

TEST_F(HashFamilyTest, HScanErrors) {
  Fill("h", 2);
  EXPECT_EQ(Run({"HSCAN", "h", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"HSCAN", "missing", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(Run({"HSCAN", "h", "0", "COUNT", "y"}), kNotInt);
  EXPECT_EQ(Run({"HSCAN", "h", "0", "TYPE", "hash"}), kSyntax);  // only SCAN has TYPE
  EXPECT_EQ(Run({"HSCAN", "h", "0", "MATCH"}), kSyntax);
  // Redis reports option errors only for an existing hash.
  EXPECT_EQ(Run({"HSCAN", "missing", "0", "COUNT", "0"}), "*2\r\n" + Bulk("0") + "*0\r\n");
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING helper

TEST_F(HashFamilyTest, EncodingFollowsRedisThresholds) {
  Fill("h", 128);
  EXPECT_EQ(Encoding("h"), "listpack");
  EXPECT_EQ(Run({"HSET", "h", "one-more", "x"}), Int(1));
  EXPECT_EQ(Encoding("h"), "hashtable");
  EXPECT_EQ(Run({"HDEL", "h", "one-more", "f0", "f1"}), Int(3));
  EXPECT_EQ(Encoding("h"), "hashtable");  // Redis never converts back

  EXPECT_EQ(Run({"HSET", "v", "a", std::string(64, 'x')}), Int(1));
  EXPECT_EQ(Encoding("v"), "listpack");
  EXPECT_EQ(Run({"HSET", "v", "a", std::string(65, 'x')}), Int(0));
  EXPECT_EQ(Encoding("v"), "hashtable");
  EXPECT_EQ(Run({"HSET", "v", "a", "short"}), Int(0));
  EXPECT_EQ(Encoding("v"), "hashtable");

  EXPECT_EQ(Run({"HINCRBY", "k", std::string(65, 'f'), "1"}), Int(1));
  EXPECT_EQ(Encoding("k"), "hashtable");
}

TEST_F(HashFamilyTest, EncodingHonoursConfigSet) {
  server::config::Config config;
  server::config::RuntimeConfig runtime(config);
  server_.set_runtime_config(&runtime);
  ASSERT_TRUE(runtime.Set("hash-max-listpack-value", "8").ok());
  // A value past the limit converts (the Tcl suite's HINCRBYFLOAT case)...
  EXPECT_EQ(Run({"HSET", "small", "tmp", "0"}), Int(1));
  EXPECT_EQ(Run({"HSET", "big", "tmp", "0"}), Int(1));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "small", "tmp", "0.000005"}), Bulk("0.000005"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "big", "tmp", "0.0000005"}), Bulk("0.0000005"));
  EXPECT_EQ(Encoding("small"), "listpack");
  EXPECT_EQ(Encoding("big"), "hashtable");
  // ...and so does a field.
  EXPECT_EQ(Run({"HINCRBYFLOAT", "f9", "abcdefghi", "1"}), Bulk("1"));
  EXPECT_EQ(Encoding("f9"), "hashtable");
  ASSERT_TRUE(runtime.Set("hash-max-ziplist-entries", "2").ok());
  EXPECT_EQ(Run({"HSET", "n", "a", "1", "b", "2", "c", "3"}), Int(3));
  EXPECT_EQ(Encoding("n"), "hashtable");
  server_.set_runtime_config(nullptr);
}

TEST(HashEncodingTest, ComputedWithoutTheFlag) {
  // A hash rebuilt from disk has no flag: the content decides, as after an RDB reload.
  HashObject hash;
  hash.table().Set("a", "1");
  EXPECT_EQ(HashEncoding(hash), "listpack");
  hash.table().Set("b", std::string(65, 'x'));
  EXPECT_EQ(HashEncoding(hash), "hashtable");
  hash.table().Erase("b");
  EXPECT_EQ(HashEncoding(hash), "listpack");
  hash.hashtable_encoding = true;
  EXPECT_EQ(HashEncoding(hash), "hashtable");
}

// ---------------------------------------------------------------------------------------------
// Updaters on the copy path (a record below the mutable region), driven directly.

struct CopyPath {
  HashObject old;
  storage::RecordBuilder out;
  storage::RecordView View() {
    out.type = ValueType::kHash;
    out.object = old.Clone();
    return storage::RecordView{
        ValueType::kHash, storage::kNoExpiry, {}, storage::Tier::kReadOnly, &old};
  }
  const HashObject& Result() const { return static_cast<const HashObject&>(*out.object); }
};

TEST(HashUpdaterTest, CopyUpdateEditsTheCloneOnly) {
  CopyPath path;
  path.old.table().Set("a", "1");
  const std::string_view pairs[] = {"a", "2", "b", "3"};
  HashSetUpdater set(pairs, false);
  ASSERT_TRUE(set.CopyUpdate(path.View(), path.out).ok());
  EXPECT_EQ(set.added, 1);
  EXPECT_EQ(*path.Result().table().Find("a"), "2");
  EXPECT_EQ(*path.old.table().Find("a"), "1");
  EXPECT_EQ(path.old.Length(), 1u);

  // HSETNX on an existing field writes nothing.
  HashSetUpdater nx(std::span<const std::string_view>(pairs, 2), true);
  EXPECT_EQ(nx.CopyUpdate(path.View(), path.out).code(), StatusCode::kAborted);
  EXPECT_EQ(nx.outcome, RmwOutcome::kSkipped);
}

TEST(HashUpdaterTest, CopyUpdateDeletesTheKeyWithItsLastField) {
  CopyPath path;
  path.old.table().Set("a", "1");
  const std::string_view fields[] = {"zz"};
  HashDelUpdater miss(fields);
  EXPECT_EQ(miss.CopyUpdate(path.View(), path.out).code(), StatusCode::kAborted);
  EXPECT_EQ(miss.deleted, 0);
  const std::string_view all[] = {"a", "zz"};
  HashDelUpdater del(all);
  EXPECT_TRUE(del.CopyUpdate(path.View(), path.out).IsNotFound());
  EXPECT_EQ(del.deleted, 1);
}

TEST(HashUpdaterTest, CopyUpdateWrongTypeAndIncrements) {
  CopyPath path;
  path.old.table().Set("n", "41");
  HashIncrByUpdater incr("n", 1);
  ASSERT_TRUE(incr.CopyUpdate(path.View(), path.out).ok());
  EXPECT_EQ(incr.value, 42);
  EXPECT_EQ(*path.Result().table().Find("n"), "42");
  HashIncrByFloatUpdater incrf("n", 0.5L);
  ASSERT_TRUE(incrf.CopyUpdate(path.View(), path.out).ok());
  EXPECT_EQ(incrf.text, "41.5");

  storage::RecordBuilder out;
  storage::RecordView string_view{ValueType::kString, storage::kNoExpiry, "x"};
  HashIncrByUpdater wrong("n", 1);
  EXPECT_EQ(wrong.CopyUpdate(string_view, out).code(), StatusCode::kWrongType);
  EXPECT_EQ(wrong.outcome, RmwOutcome::kWrongType);
}

}  // namespace
}  // namespace ferrite::commands
