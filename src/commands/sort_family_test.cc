// Unit tests for SORT and SORT_RO (commands/sort_family.cc). Collections are written straight
// into the store as objects, so these tests depend only on the storage objects, not on the
// collection families. Expected replies follow Redis 7.0 (sort.c, unit/sort.tcl).

#include <memory>
#include <string>
#include <vector>

#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

using storage::ValueType;

// An array of bulk strings; "<nil>" stands for a null.
std::string Array(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) {
    out += s == "<nil>" ? kNil : Bulk(s);
  }
  return out;
}

class SortFamilyTest : public testing::CommandFixture {
 protected:
  void Put(std::string_view key, ValueType type, std::unique_ptr<storage::StoredObject> object) {
    storage::RecordBuilder rec;
    rec.type = type;
    rec.object = std::move(object);
    ASSERT_TRUE(session_->Upsert(client_.db, key, rec).ok());
  }
  void PutList(std::string_view key, const std::vector<std::string>& elements) {
    auto list = std::make_unique<storage::ListObject>();
    for (const auto& e : elements) list->PushBack(e);
    Put(key, ValueType::kList, std::move(list));
  }
  void PutSet(std::string_view key, const std::vector<std::string>& members) {
    auto set = std::make_unique<storage::SetObject>();
    for (const auto& m : members) set->table().Set(m, storage::NoValue{});
    Put(key, ValueType::kSet, std::move(set));
  }
  void PutZSet(std::string_view key, const std::vector<std::pair<double, std::string>>& items) {
    auto zset = std::make_unique<storage::ZSetObject>();
    for (const auto& [score, member] : items) zset->Add(member, score);
    Put(key, ValueType::kZSet, std::move(zset));
  }
  void PutHash(std::string_view key, const std::vector<std::pair<std::string, std::string>>& kv) {
    auto hash = std::make_unique<storage::HashObject>();
    for (const auto& [f, v] : kv) hash->table().Set(f, v);
    Put(key, ValueType::kHash, std::move(hash));
  }
  // The list stored at `key`, read back from the store.
  std::vector<std::string> ListAt(std::string_view key) {
    std::vector<std::string> out;
    Status st = session_->Read(client_.db, key, [&](const storage::RecordView& r) {
      EXPECT_EQ(r.type, ValueType::kList);
      const auto* list = static_cast<const storage::ListObject*>(r.object);
      EXPECT_TRUE(list->quicklist_encoding);
      out.assign(list->elements().begin(), list->elements().end());
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
};

TEST_F(SortFamilyTest, NumericAlphaDescLimit) {
  PutList("l", {"3", "10", "1", "2.5", "-4"});
  EXPECT_EQ(Run({"SORT", "l"}), Array({"-4", "1", "2.5", "3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "DESC"}), Array({"10", "3", "2.5", "1", "-4"}));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA"}), Array({"-4", "1", "10", "2.5", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1", "2"}), Array({"1", "2.5"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "3", "-1"}), Array({"3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "10", "5"}), Array({}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "-5", "2"}), Array({"-4", "1"}));
  EXPECT_EQ(Run({"SORT", "missing"}), Array({}));
  EXPECT_EQ(Run({"SORT_RO", "l", "DESC", "LIMIT", "0", "1"}), Array({"10"}));
  // Huge LIMIT values are clamped, never overflowed (Redis's "SETRANGE with huge offset").
  EXPECT_EQ(Run({"SORT_RO", "l", "BY", "a", "LIMIT", "2", "9223372036854775807"}),
            Array({"1", "2.5", "-4"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "9223372036854775807", "9223372036854775807"}), Array({}));
}

TEST_F(SortFamilyTest, ErrorsAndTypes) {
  PutList("l", {"1", "x"});
  EXPECT_EQ(Run({"SORT", "l"}), Err("ERR One or more scores can't be converted into double"));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA"}), Array({"1", "x"}));
  EXPECT_EQ(Run({"SORT", "l", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "a", "1"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SORT_RO", "l", "ALPHA", "STORE", "d"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "s", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "s"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
  PutHash("h", {{"a", "1"}});
  EXPECT_EQ(Run({"SORT", "h"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST_F(SortFamilyTest, ByPatternAndGet) {
  PutList("l", {"1", "2", "3"});
  EXPECT_EQ(Run({"MSET", "w_1", "30", "w_2", "10", "w_3", "20"}), "+OK\r\n");
  EXPECT_EQ(Run({"MSET", "o_1", "one", "o_3", "three"}), "+OK\r\n");
  PutHash("h_1", {{"f", "a"}, {"n", "3"}});
  PutHash("h_2", {{"f", "b"}, {"n", "1"}});
  PutHash("h_3", {{"n", "2"}});
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), Array({"2", "3", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "DESC", "LIMIT", "0", "2"}), Array({"1", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "h_*->n"}), Array({"2", "3", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*", "GET", "h_*->f"}),
            Array({"2", "<nil>", "b", "3", "three", "<nil>", "1", "one", "a"}));
  // A GET pattern without '*' never matches; "->" with no field is part of the key name.
  EXPECT_EQ(Run({"SORT", "l", "GET", "o_1"}), Array({"<nil>", "<nil>", "<nil>"}));
  EXPECT_EQ(Run({"SET", "o_2->", "x"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "l", "GET", "o_*->"}), Array({"<nil>", "x", "<nil>"}));
  // Missing BY keys weigh 0; ties fall back to comparing the elements.
  PutList("m", {"b", "a", "c"});
  EXPECT_EQ(Run({"SET", "w_c", "-1"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "m", "BY", "w_*"}), Array({"c", "a", "b"}));
  // ALPHA BY: missing keys sort first.
  EXPECT_EQ(Run({"MSET", "s_a", "zz", "s_b", "aa"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "m", "BY", "s_*", "ALPHA"}), Array({"c", "b", "a"}));
  EXPECT_EQ(Run({"SET", "w_a", "notanumber"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "m", "BY", "w_*"}),
            Err("ERR One or more scores can't be converted into double"));
}

TEST_F(SortFamilyTest, PatternLookupsCountKeyspaceHitsAndMisses) {
  PutList("l", {"1", "2", "3"});
  EXPECT_EQ(Run({"MSET", "w_1", "3", "w_2", "2"}), "+OK\r\n");
  auto hits = [&] { return server_.stats().Sum(&server::ThreadStats::keyspace_hits); };
  auto misses = [&] { return server_.stats().Sum(&server::ThreadStats::keyspace_misses); };
  const uint64_t h = hits(), m = misses();
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "#"}), Array({"3", "2", "1"}));
  EXPECT_EQ(hits(), h + 3);    // the source and two weights ("#" reads nothing)
  EXPECT_EQ(misses(), m + 1);  // w_3
}

TEST_F(SortFamilyTest, NoSortKeepsNativeOrder) {
  PutList("l", {"c", "a", "b", "d"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort"}), Array({"c", "a", "b", "d"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC"}), Array({"d", "b", "a", "c"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}), Array({"a", "b"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), Array({"b", "a"}));
  PutZSet("z", {{1, "x"}, {3, "y"}, {2, "z"}, {4, "w"}});
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort"}), Array({"x", "z", "y", "w"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}), Array({"y", "z"}));
  EXPECT_EQ(Run({"SORT", "z", "BY", "nosort", "LIMIT", "3", "10"}), Array({"w"}));
  EXPECT_EQ(Run({"SORT", "z", "ALPHA"}), Array({"w", "x", "y", "z"}));
  // A set without sorting for STORE is sorted ALPHA, so replicas agree.
  PutSet("s", {"b", "c", "a"});
  EXPECT_EQ(Run({"SORT", "s", "BY", "nosort", "STORE", "d"}), Int(3));
  EXPECT_EQ(ListAt("d"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SortFamilyTest, Store) {
  PutSet("s", {"3", "1", "2"});
  EXPECT_EQ(Run({"SET", "dst", "old", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "s", "STORE", "dst"}), Int(3));
  EXPECT_EQ(last_dirty_, 3);
  EXPECT_EQ(ListAt("dst"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(Run({"TTL", "dst"}), Int(-1));
  EXPECT_EQ(Run({"TYPE", "dst"}), "+list\r\n");
  // GET values are stored, a missing one as "".
  EXPECT_EQ(Run({"SET", "v_2", "two"}), "+OK\r\n");
  EXPECT_EQ(Run({"SORT", "s", "GET", "v_*", "GET", "#", "STORE", "dst"}), Int(6));
  EXPECT_EQ(ListAt("dst"), (std::vector<std::string>{"", "1", "two", "2", "", "3"}));
  // An empty result deletes the destination and stores nothing.
  EXPECT_EQ(Run({"SORT", "missing", "STORE", "dst"}), Int(0));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SORT", "missing", "STORE", "dst"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
}

TEST_F(SortFamilyTest, ScoresAsRedisParsesThem) {
  PutZSet("z", {{0, "+inf"}, {0, "-inf"}, {0, "1e3"}, {0, "0x10"}, {0, " 7"}});
  EXPECT_EQ(Run({"SORT", "z"}), Array({"-inf", " 7", "0x10", "1e3", "+inf"}));
  PutList("n", {"nan"});
  EXPECT_EQ(Run({"SORT", "n"}), Err("ERR One or more scores can't be converted into double"));
}

}  // namespace
}  // namespace ferrite::commands
