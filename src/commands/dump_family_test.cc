#include <gtest/gtest.h>

#include <string>

#include "commands/dump_format.h"
#include "commands/testing/command_fixture.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(DumpFormatTest, Crc64MatchesRedisCheckValue) {
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caull);
}

// Payloads produced by Debian's redis-server 7.0.15 (DUMP through redis-py), one per encoding
// Redis writes: an LZF-compressed string, an INT16 string, an intset, a plain set, a listpack
// hash, a listpack sorted set, and a quicklist-2 list.
TEST(DumpFormatTest, DecodesWhatRedis70Dumps) {
  auto lzf = DecodeDumpPayload(FromHex("00c30b405a0361626361e04b020162630a00238036f9e2d0c780"));
  ASSERT_TRUE(lzf.ok);
  std::string abc;
  for (int i = 0; i < 30; ++i) abc += "abc";
  EXPECT_EQ(lzf.value.value, abc);

  auto n = DecodeDumpPayload(FromHex("00c139300a009d94ea2793fc08b9"));
  ASSERT_TRUE(n.ok);
  EXPECT_EQ(n.value.value, "12345");

  auto is = DecodeDumpPayload(
      FromHex("0b18040000000400000001000000020000002c010000701101000a001440c9b9e6eb5e6a"));
  ASSERT_TRUE(is.ok);
  const auto& intset = static_cast<const storage::SetObject&>(*is.value.object);
  EXPECT_EQ(intset.Length(), 4u);
  EXPECT_TRUE(intset.table().Contains("70000"));
  EXPECT_TRUE(intset.table().Contains("300"));

  auto ss = DecodeDumpPayload(FromHex("02030162016101630a0099cc80dd5982d255"));
  ASSERT_TRUE(ss.ok);
  EXPECT_TRUE(static_cast<const storage::SetObject&>(*ss.value.object).table().Contains("b"));

  auto h = DecodeDumpPayload(
      FromHex("10151500000004008266310382763103826632030201ff0a005c5ea813feec1ff5"));
  ASSERT_TRUE(h.ok);
  const auto& hash = static_cast<const storage::HashObject&>(*h.value.object);
  ASSERT_EQ(hash.Length(), 2u);
  EXPECT_EQ(*hash.table().Find("f1"), "v1");
  EXPECT_EQ(*hash.table().Find("f2"), "2");

  auto z = DecodeDumpPayload(
      FromHex("111a1a0000000600816302dffd0281610283312e35048162020201ff0a0088c4c030f0ae8276"));
  ASSERT_TRUE(z.ok);
  const auto& zset = static_cast<const storage::ZSetObject&>(*z.value.object);
  ASSERT_EQ(zset.size(), 3u);
  EXPECT_EQ(*zset.Score("c"), -3);
  EXPECT_EQ(*zset.Score("a"), 1.5);
  EXPECT_EQ(zset.ByRank(2).second, "b");

  auto l =
      DecodeDumpPayload(FromHex("1201021111000000040081610281620201010201ff0a006d72713e9b43482b"));
  ASSERT_TRUE(l.ok);
  const auto& list = static_cast<const storage::ListObject&>(*l.value.object);
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list.At(0), "a");
  EXPECT_EQ(list.At(3), "2");
}

TEST(DumpFormatTest, CorruptPayloadsGiveRedisErrors) {
  std::string good = FromHex("02030162016101630a0099cc80dd5982d255");
  std::string flipped = good;
  flipped[3] ^= 1;
  EXPECT_EQ(DecodeDumpPayload(flipped).error, DumpError::kVersionOrChecksum);
  EXPECT_EQ(DecodeDumpPayload("short").error, DumpError::kVersionOrChecksum);
  // A well-formed footer around a truncated body: bad format, not a crash.
  for (size_t cut = 1; cut < good.size() - 10; ++cut) {
    std::string body = good.substr(0, cut);
    body.push_back(static_cast<char>(kRdbVersion));
    body.push_back(0);
    uint64_t crc = Crc64(0, body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    DecodeResult r = DecodeDumpPayload(body);
    EXPECT_FALSE(r.ok) << cut;
    EXPECT_EQ(r.error, DumpError::kBadFormat) << cut;
  }
}

class DumpFamilyTest : public testing::CommandFixture {
 protected:
  std::string DumpBytes(std::string_view key) {
    std::string reply = Run({"DUMP", key});
    // "$<len>\r\n<bytes>\r\n"
    size_t header = reply.find("\r\n");
    return reply.substr(header + 2, reply.size() - header - 4);
  }
};

TEST_F(DumpFamilyTest, EveryTypeRoundTripsThroughDumpAndRestore) {
  Run({"SET", "s", "hello"});
  Run({"SET", "i", "-70000"});
  Run({"RPUSH", "l", "x", "y", "z"});
  Run({"SADD", "set", "m1", "m2"});
  Run({"HSET", "h", "f", "v"});
  Run({"ZADD", "z", "2.5", "b", "1", "a"});
  for (std::string_view key : {"s", "i", "l", "set", "h", "z"}) {
    std::string payload = DumpBytes(key);
    std::string copy = std::string(key) + "-copy";
    EXPECT_EQ(Run({"RESTORE", copy, "0", payload}), "+OK\r\n") << key;
    EXPECT_EQ(DumpBytes(copy), payload) << key;  // same value, same encoding
  }
  EXPECT_EQ(Run({"LRANGE", "l-copy", "0", "-1"}), "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
  EXPECT_EQ(Run({"ZSCORE", "z-copy", "b"}), "$3\r\n2.5\r\n");
  EXPECT_EQ(Run({"GET", "i-copy"}), "$6\r\n-70000\r\n");
}

TEST_F(DumpFamilyTest, RestoreOptionsAndErrors) {
  Run({"SET", "k", "v"});
  std::string payload = DumpBytes("k");
  EXPECT_EQ(Run({"DUMP", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Run({"RESTORE", "k", "0", payload}), "-BUSYKEY Target key name already exists.\r\n");
  EXPECT_EQ(Run({"RESTORE", "k", "5000", payload, "REPLACE"}), "+OK\r\n");
  ASSERT_EQ(last_propagated_.size(), 1u);
  EXPECT_EQ(last_propagated_[0][2], std::to_string(now_ms_ + 5000));
  EXPECT_EQ(last_propagated_[0].back(), "ABSTTL");
  EXPECT_EQ(Run({"PTTL", "k"}), ":5000\r\n");
  std::string abs = std::to_string(now_ms_ + 9000);
  EXPECT_EQ(Run({"RESTORE", "k2", abs, payload, "ABSTTL"}), "+OK\r\n");
  EXPECT_EQ(Run({"PTTL", "k2"}), ":9000\r\n");
  // An absolute TTL in the past restores nothing.
  EXPECT_EQ(Run({"RESTORE", "k3", "1", payload, "ABSTTL"}), "+OK\r\n");
  EXPECT_EQ(Run({"EXISTS", "k3"}), ":0\r\n");
  EXPECT_EQ(Run({"RESTORE", "k4", "-1", payload}), "-ERR Invalid TTL value, must be >= 0\r\n");
  EXPECT_EQ(Run({"RESTORE", "k4", "0", payload, "IDLETIME", "-1"}),
            "-ERR Invalid IDLETIME value, must be >= 0\r\n");
  EXPECT_EQ(Run({"RESTORE", "k4", "0", payload, "FREQ", "256"}),
            "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
  EXPECT_EQ(Run({"RESTORE", "k4", "0", payload, "FREQ", "1", "IDLETIME", "1"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"RESTORE", "k4", "0", "garbage-payload"}),
            "-ERR DUMP payload version or checksum are wrong\r\n");
}

}  // namespace
}  // namespace ferrite::commands
