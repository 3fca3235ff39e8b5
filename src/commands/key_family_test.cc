// Unit tests for the key family (commands/key_family.cc) and the expiry commands
// (commands/expire_ops.cc), run in-process against the memory store with a movable clock.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "commands/expire_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/pending_once_session.h"
#include "commands/testing/resp_literals.h"
#include "storage/objects/object_codec.h"

namespace ferrite::commands {
namespace {

using Strings = std::vector<std::string>;
using storage::ValueType;

// Parses a flat RESP array of bulk strings ("*2\r\n$1\r\na\r\n...") into its elements.
Strings BulkArray(const std::string& resp, size_t* pos_io = nullptr) {
  size_t pos = pos_io ? *pos_io : 0;
  Strings out;
  EXPECT_EQ(resp[pos], '*');
  size_t eol = resp.find("\r\n", pos);
  int n = std::stoi(resp.substr(pos + 1, eol - pos - 1));
  pos = eol + 2;
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(resp[pos], '$');
    eol = resp.find("\r\n", pos);
    size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    out.push_back(resp.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  if (pos_io) *pos_io = pos;
  return out;
}

Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

class KeyFamilyTest : public testing::CommandFixture {
 protected:
  // A record of `type` holding one element (streams, which have no object class, hold bytes).
  void Put(std::string_view key, ValueType type, storage::DbIndex db = 0) {
    storage::RecordBuilder rec{type, storage::kNoExpiry, "opaque"};
    if (type == ValueType::kStream) {
      ASSERT_TRUE(session_->Upsert(db, key, rec).ok());
      return;
    }
    std::string bytes;
    storage::PutHeader(&bytes, 1);
    storage::PutString(&bytes, "opaque");
    if (type == ValueType::kHash || type == ValueType::kZSet) {
      type == ValueType::kHash ? storage::PutString(&bytes, "v") : storage::PutDouble(&bytes, 1);
    }
    auto object = storage::DeserializeObject(type, bytes);
    ASSERT_TRUE(object.has_value());
    rec.object = std::move(object).value();
    ASSERT_TRUE(session_->Upsert(db, key, rec).ok());
  }
  void PendOnce(std::string key) {
    session_ = std::make_unique<testing::PendingOnceSession>(std::move(session_), std::move(key));
  }
  uint64_t Hits() { return server_.stats().Sum(&server::ThreadStats::keyspace_hits); }
  uint64_t Misses() { return server_.stats().Sum(&server::ThreadStats::keyspace_misses); }
  std::string Now(int64_t plus_ms = 0) { return std::to_string(now_ms_ + plus_ms); }
  std::string Select(int db) {
    client_.db = static_cast<storage::DbIndex>(db);
    return kOk;
  }
};

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TYPE TOUCH

TEST_F(KeyFamilyTest, DelAndUnlink) {
  EXPECT_EQ(Run({"SET", "x", "foo"}), kOk);
  EXPECT_EQ(Run({"DEL", "x"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"GET", "x"}), kNil);
  EXPECT_EQ(Run({"MSET", "foo1", "a", "foo2", "b", "foo3", "c"}), kOk);
  EXPECT_EQ(Run({"DEL", "foo1", "foo2", "foo3", "foo4"}), Int(3));
  EXPECT_EQ(last_dirty_, 3);
  EXPECT_EQ(Run({"DEL", "foo1"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(Run({"UNLINK", "a", "b", "a"}), Int(2));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  // An expired key is not counted.
  EXPECT_EQ(Run({"SETEX", "keyExpire", "1", "valExpire"}), kOk);
  AdvanceMs(1100);
  EXPECT_EQ(Run({"DEL", "keyExpire"}), Int(0));
}

TEST_F(KeyFamilyTest, DelPendingLeavesNothingHalfDone) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2", "c", "3"}), kOk);
  PendOnce("b");
  EXPECT_EQ(Run({"DEL", "a", "b", "c"}), "");  // pending: no reply, the dispatcher retries
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"DEL", "a", "b", "c"}), Int(3));
}

TEST_F(KeyFamilyTest, PendingReadsReplyNothing) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  PendOnce("k");
  EXPECT_EQ(Run({"GET", "k"}), "");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  PendOnce("k");
  EXPECT_EQ(Run({"INCR", "k"}), "");
  PendOnce("n");
  EXPECT_EQ(Run({"MGET", "k", "n"}), "");
  PendOnce("dst");
  EXPECT_EQ(Run({"RENAMENX", "k", "dst"}), "");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"RENAMENX", "k", "dst"}), Int(1));
}

TEST_F(KeyFamilyTest, ExistsTouchType) {
  EXPECT_EQ(Run({"SET", "newkey", "test"}), kOk);
  uint64_t hits = Hits(), misses = Misses();
  EXPECT_EQ(Run({"EXISTS", "newkey", "newkey", "nokey"}), Int(2));
  EXPECT_EQ(Hits(), hits + 2);
  EXPECT_EQ(Misses(), misses + 1);
  EXPECT_EQ(Run({"TOUCH", "newkey", "nokey"}), Int(1));
  EXPECT_EQ(Run({"TYPE", "newkey"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nokey"}), "+none\r\n");
  Put("l", ValueType::kList);
  Put("s", ValueType::kSet);
  Put("z", ValueType::kZSet);
  Put("h", ValueType::kHash);
  Put("x", ValueType::kStream);
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(Run({"TYPE", "s"}), "+set\r\n");
  EXPECT_EQ(Run({"TYPE", "z"}), "+zset\r\n");
  EXPECT_EQ(Run({"TYPE", "h"}), "+hash\r\n");
  EXPECT_EQ(Run({"TYPE", "x"}), "+stream\r\n");
  EXPECT_EQ(Run({"SET", "emptykey", ""}), kOk);
  EXPECT_EQ(Run({"EXISTS", "emptykey"}), Int(1));
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX

TEST_F(KeyFamilyTest, Rename) {
  EXPECT_EQ(Run({"SET", "mykey", "hello"}), kOk);
  EXPECT_EQ(Run({"RENAME", "mykey", "mykey1"}), kOk);
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"RENAME", "mykey1", "mykey2"}), kOk);
  EXPECT_EQ(Run({"GET", "mykey2"}), Bulk("hello"));
  EXPECT_EQ(Run({"EXISTS", "mykey", "mykey1"}), Int(0));
  EXPECT_EQ(Run({"SET", "mykey", "a"}), kOk);
  EXPECT_EQ(Run({"SET", "mykey2", "b"}), kOk);
  EXPECT_EQ(Run({"RENAME", "mykey2", "mykey"}), kOk);
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("b"));
  EXPECT_EQ(Run({"EXISTS", "mykey2"}), Int(0));
  EXPECT_EQ(Run({"RENAME", "nokey", "foobar"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAME", "mykey", "mykey"}), kOk);
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"RENAMENX", "mykey", "mykey"}), Int(0));
  EXPECT_EQ(Run({"RENAME", "nokey", "nokey"}), Err("ERR no such key"));
  Put("l", ValueType::kList);
  EXPECT_EQ(Run({"RENAME", "l", "l2"}), kOk);
  EXPECT_EQ(Run({"TYPE", "l2"}), "+list\r\n");
}

TEST_F(KeyFamilyTest, RenameNx) {
  EXPECT_EQ(Run({"SET", "mykey", "foobar"}), kOk);
  EXPECT_EQ(Run({"RENAMENX", "mykey", "mykey2"}), Int(1));
  EXPECT_EQ(Run({"GET", "mykey2"}), Bulk("foobar"));
  EXPECT_EQ(Run({"SET", "mykey", "foo"}), kOk);
  EXPECT_EQ(Run({"RENAMENX", "mykey", "mykey2"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("foo"));
  EXPECT_EQ(Run({"GET", "mykey2"}), Bulk("foobar"));
  EXPECT_EQ(Run({"RENAMENX", "nokey", "x"}), Err("ERR no such key"));
}

TEST_F(KeyFamilyTest, RenameMovesTtlAndDropsTargetTtl) {
  EXPECT_EQ(Run({"SET", "mykey", "foo"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "mykey", "100"}), Int(1));
  EXPECT_EQ(Run({"RENAME", "mykey", "mykey2"}), kOk);
  EXPECT_EQ(Run({"TTL", "mykey2"}), Int(100));
  EXPECT_EQ(Run({"SET", "mykey", "foo"}), kOk);
  EXPECT_EQ(Run({"SET", "other", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "other", "100"}), Int(1));
  EXPECT_EQ(Run({"RENAME", "mykey", "other"}), kOk);
  EXPECT_EQ(Run({"TTL", "other"}), Int(-1));
}

// ---------------------------------------------------------------------------------------------
// COPY MOVE

TEST_F(KeyFamilyTest, CopyWithinAndAcrossDbs) {
  EXPECT_EQ(Run({"SET", "mykey", "foobar"}), kOk);
  uint64_t hits = Hits();
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey"}), Int(1));
  EXPECT_EQ(Hits(), hits + 1);
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"GET", "mynewkey"}), Bulk("foobar"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(2));
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "DB", "10"}), Int(1));
  EXPECT_EQ(Run({"SET", "mykey2", "hello"}), kOk);
  EXPECT_EQ(Run({"COPY", "mykey2", "mynewkey", "DB", "10"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"COPY", "mykey2", "mynewkey", "db", "10", "replace"}), Int(1));
  Select(10);
  EXPECT_EQ(Run({"GET", "mynewkey"}), Bulk("hello"));
  EXPECT_EQ(Run({"SET", "mynewkey", "hoge"}), kOk);
  Select(0);
  EXPECT_EQ(Run({"GET", "mykey2"}), Bulk("hello"));  // independent copies
  EXPECT_EQ(Run({"COPY", "nokey", "x"}), Int(0));
  Put("h", ValueType::kHash);
  EXPECT_EQ(Run({"COPY", "h", "h2"}), Int(1));
  EXPECT_EQ(Run({"TYPE", "h2"}), "+hash\r\n");
}

TEST_F(KeyFamilyTest, CopyTtlAndErrors) {
  EXPECT_EQ(Run({"SET", "mykey", "foobar", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"TTL", "mynewkey"}), Int(100));
  EXPECT_EQ(Run({"SET", "mykey", "foobar"}), kOk);
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"TTL", "mynewkey"}), Int(-1));
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "DB", "notanumber"}), kNotInt);
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "DB", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "DB", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "mykey", "mynewkey", "DB", "99999999999"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(Run({"COPY", "mykey", "mykey"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "mykey", "mykey", "DB", "0"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "mykey", "mykey", "DB", "1"}), Int(1));
  EXPECT_EQ(Run({"COPY", "mykey", "x", "DB"}), kSyntax);
  EXPECT_EQ(Run({"COPY", "mykey", "x", "FOO"}), kSyntax);
}

TEST_F(KeyFamilyTest, Move) {
  EXPECT_EQ(Run({"SET", "mykey", "foobar"}), kOk);
  EXPECT_EQ(Run({"MOVE", "mykey", "10"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "mykey"}), Int(0));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  Select(10);
  EXPECT_EQ(Run({"GET", "mykey"}), Bulk("foobar"));
  Select(0);
  EXPECT_EQ(Run({"SET", "mykey", "hello"}), kOk);
  EXPECT_EQ(Run({"MOVE", "mykey", "10"}), Int(0));  // exists in the target
  EXPECT_EQ(Run({"MOVE", "mykey", "notanumber"}), kNotInt);
  EXPECT_EQ(Run({"MOVE", "mykey", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "mykey", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "nokey", "1"}), Int(0));
  EXPECT_EQ(Run({"SET", "ttl", "foo", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"MOVE", "ttl", "3"}), Int(1));
  EXPECT_EQ(Run({"TTL", "ttl"}), Int(-2));
  Select(3);
  EXPECT_EQ(Run({"TTL", "ttl"}), Int(100));
  EXPECT_EQ(Run({"GET", "ttl"}), Bulk("foo"));
}

// ---------------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY

TEST_F(KeyFamilyTest, Keys) {
  for (const char* k : {"key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"}) {
    EXPECT_EQ(Run({"SET", k, "hello"}), kOk);
  }
  EXPECT_EQ(Sorted(BulkArray(Run({"KEYS", "foo*"}))), (Strings{"foo_a", "foo_b", "foo_c"}));
  EXPECT_EQ(Sorted(BulkArray(Run({"KEYS", "*"}))).size(), 6u);
  EXPECT_EQ(Sorted(BulkArray(Run({"KEYS", "key_[xy]"}))), (Strings{"key_x", "key_y"}));
  EXPECT_EQ(Sorted(BulkArray(Run({"KEYS", "???_?"}))).size(), 6u);
  EXPECT_EQ(Run({"KEYS", "nomatch*"}), "*0\r\n");
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);
  EXPECT_EQ(Run({"SET", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1"}), kOk);
  EXPECT_EQ(Run({"KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"}), "*0\r\n");
  EXPECT_EQ(Run({"SETEX", "gone", "1", "v"}), kOk);
  AdvanceMs(1000);
  EXPECT_EQ(BulkArray(Run({"KEYS", "*"})), (Strings{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}));
}

class ScanTest : public KeyFamilyTest {
 protected:
  Strings ScanAll(std::vector<std::string_view> extra, int* calls = nullptr) {
    Strings seen;
    std::string cursor = "0";
    int n = 0;
    do {
      std::vector<std::string_view> args{"SCAN", cursor};
      args.insert(args.end(), extra.begin(), extra.end());
      std::string reply = Run(args);
      EXPECT_EQ(reply.substr(0, 4), "*2\r\n") << reply;
      size_t pos = 4;
      EXPECT_EQ(reply[pos], '$');
      size_t eol = reply.find("\r\n", pos);
      size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
      cursor = reply.substr(eol + 2, len);
      pos = eol + 2 + len + 2;
      for (std::string& k : BulkArray(reply, &pos)) seen.push_back(std::move(k));
      ++n;
    } while (cursor != "0" && n < 100000);
    if (calls) *calls = n;
    return seen;
  }
};

TEST_F(ScanTest, FullIterationCountMatchType) {
  for (int i = 0; i < 1000; ++i) {
    std::string k = "key:" + std::to_string(i);
    EXPECT_EQ(Run({"SET", k, "v"}), kOk);
  }
  int calls = 0;
  Strings all = ScanAll({}, &calls);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 1000u);
  EXPECT_GT(calls, 1);  // COUNT 10 by default: several rounds
  int big_calls = 0;
  Strings all100 = ScanAll({"COUNT", "100"}, &big_calls);
  EXPECT_EQ(std::set<std::string>(all100.begin(), all100.end()).size(), 1000u);
  EXPECT_LT(big_calls, calls);
  Strings some = ScanAll({"MATCH", "key:1??", "COUNT", "100"});
  EXPECT_EQ(std::set<std::string>(some.begin(), some.end()).size(), 100u);
  for (const std::string& k : some) EXPECT_TRUE(k.size() == 7 && k[4] == '1') << k;
  Put("l1", ValueType::kList);
  Put("l2", ValueType::kList);
  Put("h", ValueType::kHash);
  EXPECT_EQ(Sorted(ScanAll({"TYPE", "list", "COUNT", "1000"})), (Strings{"l1", "l2"}));
  EXPECT_EQ(Sorted(ScanAll({"type", "HASH"})), (Strings{"h"}));
  EXPECT_EQ(ScanAll({"TYPE", "string", "MATCH", "l*"}).size(), 0u);
  EXPECT_EQ(ScanAll({"TYPE", "unknowntype"}).size(), 0u);
}

TEST_F(ScanTest, ExpiredKeysAreSkipped) {
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    EXPECT_EQ(Run({"SET", k, "v", "PX", i % 2 ? "100" : "100000"}), kOk);
  }
  AdvanceMs(200);
  Strings seen = ScanAll({"COUNT", "7"});
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
}

TEST_F(ScanTest, CursorAndOptionErrors) {
  EXPECT_EQ(Run({"SCAN", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", " 0"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "x"}), kNotInt);
  EXPECT_EQ(Run({"SCAN", "0", "COUNT"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0", "FOO", "bar"}), kSyntax);
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"SCAN", "-1"}).substr(0, 4), "*2\r\n");  // strtoul wraps "-1", as Redis
  EXPECT_EQ(Run({"SCAN", ""}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeyFamilyTest, RandomKey) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  client_.protocol = 3;
  EXPECT_EQ(Run({"RANDOMKEY"}), "_\r\n");
  client_.protocol = 2;
  EXPECT_EQ(Run({"SET", "foo", "x"}), kOk);
  EXPECT_EQ(Run({"SET", "bar", "y"}), kOk);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(Run({"RANDOMKEY"}));
  EXPECT_EQ(seen, (std::set<std::string>{Bulk("foo"), Bulk("bar")}));
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);
  EXPECT_EQ(Run({"SET", "x", "10"}), kOk);
  EXPECT_EQ(Run({"DEL", "x"}), Int(1));
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(Run({"SET", "e", "1", "PX", "5"}), kOk);
  AdvanceMs(5);
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
}

// ---------------------------------------------------------------------------------------------
// OBJECT

TEST_F(KeyFamilyTest, ObjectSubcommands) {
  EXPECT_EQ(Run({"SET", "i", "12345"}), kOk);
  EXPECT_EQ(Run({"SET", "e", "hello"}), kOk);
  EXPECT_EQ(Run({"SET", "r", std::string(45, 'x')}), kOk);
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "encoding", "e"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r"}), Bulk("raw"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "none"}), kNil);
  client_.protocol = 3;
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "none"}), "_\r\n");
  client_.protocol = 2;
  Put("l", ValueType::kList);
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
  EXPECT_EQ(Run({"SET", "small", "100"}), kOk);
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), Int(2147483647));
  EXPECT_EQ(Run({"INCR", "small"}), Int(101));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "i"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "e"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "e"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "e"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
  server_.maxmemory_policy = "allkeys-lfu";
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "e"}),
            Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take "
                "some time to adjust."));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "e"}), Int(0));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "none"}), kNil);
}

TEST_F(KeyFamilyTest, ObjectHelp) {
  std::string help = Run({"OBJECT", "HELP"});
  EXPECT_EQ(help.substr(0, 5), "*15\r\n");
  EXPECT_NE(help.find("+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"),
            std::string::npos);
  EXPECT_NE(help.find("+HELP\r\n+    Prints this help.\r\n"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family

TEST_F(KeyFamilyTest, ExpireSetsAndPropagatesAbsoluteTime) {
  EXPECT_EQ(Run({"SET", "x", "foobar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "x", "5"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"PEXPIREAT", "x", Now(5000)}}));
  EXPECT_EQ(Run({"TTL", "x"}), Int(5));
  EXPECT_EQ(Run({"EXPIRE", "x", "10"}), Int(1));
  EXPECT_EQ(Run({"TTL", "x"}), Int(10));
  EXPECT_EQ(Run({"PEXPIRE", "x", "2500"}), Int(1));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"PEXPIREAT", "x", Now(2500)}}));
  EXPECT_EQ(Run({"TTL", "x"}), Int(3));  // rounded: (2500 + 500) / 1000
  EXPECT_EQ(Run({"PTTL", "x"}), Int(2500));
  std::string at = std::to_string(now_ms_ / 1000 + 100);
  EXPECT_EQ(Run({"EXPIREAT", "x", at, "GT"}), Int(1));
  EXPECT_EQ(
      last_propagated_,
      (std::vector<Strings>{{"PEXPIREAT", "x", std::to_string(std::stoll(at) * 1000), "GT"}}));
  EXPECT_EQ(Run({"EXPIRETIME", "x"}), Int(std::stoll(at)));
  EXPECT_EQ(Run({"PEXPIREAT", "x", Now(1000)}), Int(1));
  EXPECT_TRUE(last_propagated_.empty());  // already deterministic: propagated as sent
  EXPECT_EQ(Run({"PEXPIRETIME", "x"}), Int(now_ms_ + 1000));
  AdvanceMs(999);
  EXPECT_EQ(Run({"GET", "x"}), Bulk("foobar"));
  AdvanceMs(1);
  EXPECT_EQ(Run({"GET", "x"}), kNil);
  EXPECT_EQ(Run({"EXPIRE", "x", "10"}), Int(0));  // no resurrection
  EXPECT_EQ(last_dirty_, 0);
}

TEST_F(KeyFamilyTest, ExpireInThePastDeletes) {
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "-1"}), Int(1));
  EXPECT_EQ(last_propagated_, (std::vector<Strings>{{"DEL", "foo"}}));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "foo"}), Int(0));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIREAT", "foo", std::to_string(now_ms_ / 1000 - 100)}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-2));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"PEXPIREAT", "foo", "-9223372036854770000"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-2));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "-9223372036854775"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-2));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "0"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "foo"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "nokey", "-1"}), Int(0));
}

TEST_F(KeyFamilyTest, ExpireOverflowAndParseErrors) {
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  const std::string invalid = Err("ERR invalid expire time in 'expire' command");
  EXPECT_EQ(Run({"EXPIRE", "foo", "9223370399119966"}), invalid);
  EXPECT_EQ(Run({"EXPIRE", "foo", "9223372036854776"}), invalid);
  EXPECT_EQ(Run({"EXPIRE", "foo", "-9223372036854776"}), invalid);
  EXPECT_EQ(Run({"PEXPIRE", "foo", "9223372036854770000"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"EXPIRE", "foo", ""}), kNotInt);
  EXPECT_EQ(Run({"EXPIRE", "foo", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-1));
  EXPECT_EQ(Run({"PEXPIREAT", "foo", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "foo"}), Int(9223372036854775807));
}

TEST_F(KeyFamilyTest, ExpireConditions) {
  EXPECT_EQ(Run({"SET", "foo", "bar", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "NX"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"TTL", "foo"}), Int(100));
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "XX"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(200));
  EXPECT_EQ(Run({"EXPIRE", "foo", "100", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "foo", "300", "gt"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "foo", "400", "LT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "foo", "100", "LT"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(100));
  EXPECT_EQ(Run({"EXPIRE", "foo", "50", "LT", "XX"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(50));

  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "XX"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "GT"}), Int(0));  // no TTL counts as infinite
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "LT", "XX"}), Int(0));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "LT"}), Int(1));
  EXPECT_EQ(Run({"SET", "foo", "bar"}), kOk);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "NX"}), Int(1));
  EXPECT_EQ(Run({"TTL", "foo"}), Int(200));

  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "LT", "GT"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  const std::string nx = Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "NX", "GT"}), nx);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "NX", "LT"}), nx);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "NX", "XX"}), nx);
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "AB"}), Err("ERR Unsupported option AB"));
  EXPECT_EQ(Run({"EXPIRE", "foo", "200", "XX", "AB"}), Err("ERR Unsupported option AB"));
  // Options are checked before the time argument, as in Redis.
  EXPECT_EQ(Run({"EXPIRE", "foo", "abc", "AB"}), Err("ERR Unsupported option AB"));
  // A negative time under GT still fails the comparison instead of deleting.
  EXPECT_EQ(Run({"EXPIRE", "foo", "-10", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "foo", "-10", "LT"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "foo"}), Int(0));
}

TEST_F(KeyFamilyTest, TtlFamilyAndPersist) {
  EXPECT_EQ(Run({"TTL", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"PTTL", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRETIME", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"PEXPIRETIME", "nokey"}), Int(-2));
  EXPECT_EQ(Run({"SET", "x", "y"}), kOk);
  for (const char* c : {"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"}) {
    EXPECT_EQ(Run({c, "x"}), Int(-1)) << c;
  }
  EXPECT_EQ(Run({"PERSIST", "x"}), Int(0));
  EXPECT_EQ(Run({"PERSIST", "nokey"}), Int(0));
  EXPECT_EQ(Run({"PEXPIRE", "x", "1499"}), Int(1));
  EXPECT_EQ(Run({"TTL", "x"}), Int(1));
  AdvanceMs(1000);
  EXPECT_EQ(Run({"TTL", "x"}), Int(0));
  EXPECT_EQ(Run({"PTTL", "x"}), Int(499));
  EXPECT_EQ(Run({"PERSIST", "x"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"TTL", "x"}), Int(-1));
  AdvanceMs(10000);
  EXPECT_EQ(Run({"GET", "x"}), Bulk("y"));
  Put("l", ValueType::kList);
  EXPECT_EQ(Run({"EXPIRE", "l", "10"}), Int(1));
  EXPECT_EQ(Run({"TTL", "l"}), Int(10));
}

TEST(ExpireOpsTest, SetExpireArgConversion) {
  int64_t at = 0;
  EXPECT_EQ(ParseSetExpireArg("10", true, true, 1000, &at), ExpireArgStatus::kOk);
  EXPECT_EQ(at, 11000);
  EXPECT_EQ(ParseSetExpireArg("10", false, false, 1000, &at), ExpireArgStatus::kOk);
  EXPECT_EQ(at, 10);
  EXPECT_EQ(ParseSetExpireArg("0", false, false, 1000, &at), ExpireArgStatus::kInvalid);
  EXPECT_EQ(ParseSetExpireArg("9223372036854775", true, false, 0, &at), ExpireArgStatus::kOk);
  EXPECT_EQ(ParseSetExpireArg("9223372036854776", true, false, 0, &at), ExpireArgStatus::kInvalid);
  EXPECT_EQ(ParseSetExpireArg("9223372036854775807", false, true, 1, &at),
            ExpireArgStatus::kInvalid);
  EXPECT_EQ(ParseSetExpireArg("1e3", false, false, 0, &at), ExpireArgStatus::kNotInteger);
}

TEST(ExpireOpsTest, UpdatersInPlace) {
  char value[4] = {'a', 'b', 'c', 'd'};
  uint32_t length = 4;
  int64_t expire = storage::kNoExpiry;
  storage::MutableRecord rec{ValueType::kString, &expire, value, &length, 4};
  ExpireUpdater gt(5000, kExpireGt, false);
  ASSERT_TRUE(gt.InPlaceUpdate(rec));
  EXPECT_EQ(gt.outcome, RmwOutcome::kSkipped);
  EXPECT_EQ(expire, storage::kNoExpiry);
  ExpireUpdater set(5000, 0, false);
  ASSERT_TRUE(set.InPlaceUpdate(rec));
  EXPECT_EQ(expire, 5000);
  ExpireUpdater del(1, 0, true);
  EXPECT_FALSE(del.InPlaceUpdate(rec));  // deletion goes through CopyUpdate
  PersistUpdater persist;
  ASSERT_TRUE(persist.InPlaceUpdate(rec));
  EXPECT_EQ(persist.outcome, RmwOutcome::kDone);
  EXPECT_EQ(expire, storage::kNoExpiry);
  PersistUpdater again;
  ASSERT_TRUE(again.InPlaceUpdate(rec));
  EXPECT_EQ(again.outcome, RmwOutcome::kUnchanged);
}

// Collections move and copy whole: the copy is independent of the original.
TEST_F(KeyFamilyTest, RenameCopyMoveCarryCollections) {
  ASSERT_EQ(Run({"HSET", "h", "f1", "v1", "f2", "v2"}), ":2\r\n");
  ASSERT_EQ(Run({"PEXPIRE", "h", "100000"}), ":1\r\n");
  EXPECT_EQ(Run({"RENAME", "h", "h2"}), "+OK\r\n");
  EXPECT_EQ(Run({"EXISTS", "h"}), ":0\r\n");
  EXPECT_EQ(Run({"HGET", "h2", "f2"}), "$2\r\nv2\r\n");
  EXPECT_EQ(Run({"PTTL", "h2"}), ":100000\r\n");
  EXPECT_EQ(Run({"TYPE", "h2"}), "+hash\r\n");

  EXPECT_EQ(Run({"COPY", "h2", "h3"}), ":1\r\n");
  EXPECT_EQ(Run({"HSET", "h3", "f3", "v3"}), ":1\r\n");
  EXPECT_EQ(Run({"HLEN", "h2"}), ":2\r\n");
  EXPECT_EQ(Run({"HLEN", "h3"}), ":3\r\n");

  ASSERT_EQ(Run({"RPUSH", "l", "a", "b"}), ":2\r\n");
  EXPECT_EQ(Run({"MOVE", "l", "1"}), ":1\r\n");
  EXPECT_EQ(Run({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
}

TEST_F(KeyFamilyTest, ObjectEncodingOfCollections) {
  Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), "$8\r\nlistpack\r\n");
  Run({"HSET", "h", "f", std::string(100, 'x')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), "$9\r\nhashtable\r\n");
  Run({"SADD", "s", "1", "2"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), "$6\r\nintset\r\n");
  Run({"SADD", "s", "x"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), "$9\r\nhashtable\r\n");
  Run({"RPUSH", "l", "a"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), "$9\r\nquicklist\r\n");
}

TEST_F(KeyFamilyTest, MemoryUsageGrowsWithTheValue) {
  EXPECT_EQ(Run({"MEMORY", "USAGE", "nokey"}), "$-1\r\n");
  Run({"SET", "s", "x"});
  Run({"RPUSH", "l", "a"});
  auto usage = [&](std::string_view key) {
    std::string r = Run({"MEMORY", "USAGE", key});
    EXPECT_EQ(r[0], ':') << r;
    return std::stoll(r.substr(1));
  };
  const int64_t small_string = usage("s"), small_list = usage("l");
  EXPECT_GT(small_string, 0);
  Run({"SET", "s", std::string(1000, 'x')});
  EXPECT_GE(usage("s"), small_string + 999);
  for (int i = 0; i < 100; ++i) Run({"RPUSH", "l", std::string(100, 'y')});
  EXPECT_GT(usage("l"), small_list + 100 * 100);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "l", "SAMPLES", "5"})[0], ':');
  EXPECT_EQ(Run({"MEMORY", "USAGE", "l", "SAMPLES"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"DEBUG", "OBJECT", "l"}).find("encoding:quicklist") != std::string::npos, true);
}

}  // namespace
}  // namespace ferrite::commands
