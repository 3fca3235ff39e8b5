// Unit tests for the bitmap family (commands/bitmap_family.cc) and its pure helpers
// (commands/bitmap_ops.h). Expected values come from Redis 7.0's behaviour (bitops.c and the
// unit/bitops.tcl vectors).

#include <random>
#include <string>
#include <vector>

#include "commands/bitmap_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"

namespace ferrite::commands {
namespace {

const std::string kBitOffset = Err("ERR bit offset is not an integer or out of range");

class BitmapFamilyTest : public testing::CommandFixture {
 protected:
  void PutList(std::string_view key) {
    storage::RecordBuilder rec{storage::ValueType::kList, storage::kNoExpiry, "opaque"};
    ASSERT_TRUE(session_->Upsert(client_.db, key, rec).ok());
  }
};

TEST_F(BitmapFamilyTest, SetBitGetBit) {
  EXPECT_EQ(Run({"SETBIT", "k", "7", "1"}), Int(0));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("\x01"));
  EXPECT_EQ(Run({"SETBIT", "k", "7", "1"}), Int(1));
  EXPECT_EQ(last_dirty_, 0);  // unchanged: no dirty, no propagation
  EXPECT_EQ(Run({"SETBIT", "k", "7", "0"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"SETBIT", "k", "0", "1"}), Int(0));
  EXPECT_EQ(Run({"SETBIT", "k", "17", "0"}), Int(0));  // grows with zeros: a change
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"GET", "k"}), Bulk(std::string("\x80\x00\x00", 3)));
  EXPECT_EQ(Run({"GETBIT", "k", "0"}), Int(1));
  EXPECT_EQ(Run({"GETBIT", "k", "1"}), Int(0));
  EXPECT_EQ(Run({"GETBIT", "k", "1000"}), Int(0));
  EXPECT_EQ(Run({"GETBIT", "missing", "3"}), Int(0));
  // "1" is 0x31: bits 2, 3 and 7 set.
  EXPECT_EQ(Run({"SET", "n", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"GETBIT", "n", "2"}), Int(1));
  EXPECT_EQ(Run({"GETBIT", "n", "4"}), Int(0));
}

TEST_F(BitmapFamilyTest, SetBitErrors) {
  EXPECT_EQ(Run({"SETBIT", "k", "-1", "1"}), kBitOffset);
  EXPECT_EQ(Run({"SETBIT", "k", "4294967296", "1"}), kBitOffset);  // byte 512 MB
  EXPECT_EQ(Run({"SETBIT", "k", "4294967295", "x"}),
            Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0", "2"}), Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0", "-1"}), Err("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"GETBIT", "k", "abc"}), kBitOffset);
  PutList("l");
  EXPECT_EQ(Run({"SETBIT", "l", "0", "1"}), kWrongType);
  EXPECT_EQ(Run({"GETBIT", "l", "0"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(BitmapFamilyTest, BitCount) {
  EXPECT_EQ(Run({"BITCOUNT", "missing"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "missing", "bad"}), Int(0));  // key looked up before the args
  EXPECT_EQ(Run({"SET", "s", "foobar"}), "+OK\r\n");
  EXPECT_EQ(Run({"BITCOUNT", "s"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "s", "0", "0"}), Int(4));
  EXPECT_EQ(Run({"BITCOUNT", "s", "1", "1"}), Int(6));
  EXPECT_EQ(Run({"BITCOUNT", "s", "1", "1", "BYTE"}), Int(6));
  EXPECT_EQ(Run({"BITCOUNT", "s", "5", "30", "BIT"}), Int(17));
  EXPECT_EQ(Run({"BITCOUNT", "s", "-1", "-1"}), Int(4));  // 'r'
  EXPECT_EQ(Run({"BITCOUNT", "s", "-1", "-2"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "s", "100", "200"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "s", "0"}), kSyntax);
  EXPECT_EQ(Run({"BITCOUNT", "s", "0", "1", "bits"}), kSyntax);
  EXPECT_EQ(Run({"BITCOUNT", "s", "a", "1"}), Err("ERR value is not an integer or out of range"));
  PutList("l");
  EXPECT_EQ(Run({"BITCOUNT", "l"}), kWrongType);
}

TEST_F(BitmapFamilyTest, BitCountMatchesNaiveCount) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::string s(rng() % 70, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    ASSERT_EQ(Run({"SET", "s", s}), "+OK\r\n");
    int64_t naive = 0;
    for (char c : s) naive += __builtin_popcount(static_cast<uint8_t>(c));
    EXPECT_EQ(Run({"BITCOUNT", "s"}), Int(naive));
    if (s.empty()) continue;
    const int64_t a = rng() % (s.size() * 8), b = rng() % (s.size() * 8);
    const int64_t from = std::min(a, b), to = std::max(a, b);
    int64_t in_range = 0;
    for (int64_t i = from; i <= to; ++i)
      in_range += (static_cast<uint8_t>(s[i / 8]) >> (7 - i % 8)) & 1;
    EXPECT_EQ(Run({"BITCOUNT", "s", std::to_string(from), std::to_string(to), "BIT"}),
              Int(in_range));
  }
}

TEST_F(BitmapFamilyTest, BitPos) {
  EXPECT_EQ(Run({"BITPOS", "missing", "0"}), Int(0));
  EXPECT_EQ(Run({"BITPOS", "missing", "1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "k", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(Run({"SET", "k", std::string("\xff\xf0\x00", 3)}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "0"}), Int(12));
  EXPECT_EQ(Run({"SET", "k", std::string("\x00\xff\xf0", 3)}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "1", "0"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "2"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "2", "-1", "BYTE"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "7", "15", "BIT"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "7", "-3", "BIT"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "3", "5"}), Int(-1));
  // All ones: a search for 0 finds the padding unless the end is given.
  EXPECT_EQ(Run({"SET", "f", std::string("\xff\xff\xff", 3)}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "f", "0"}), Int(24));
  EXPECT_EQ(Run({"BITPOS", "f", "0", "0"}), Int(24));
  EXPECT_EQ(Run({"BITPOS", "f", "0", "0", "-1"}), Int(-1));
  EXPECT_EQ(Run({"SET", "z", std::string(20, '\0')}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "z", "1"}), Int(-1));
  EXPECT_EQ(Run({"SET", "e", ""}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "e", "0"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "f", "0", "0", "1", "bad"}), kSyntax);
}

TEST_F(BitmapFamilyTest, BitPosLongStringsSkipWords) {
  std::string s(1000, '\0');
  s[777] = 0x04;
  ASSERT_EQ(Run({"SET", "k", s}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "k", "1"}), Int(777 * 8 + 5));
  EXPECT_EQ(Run({"BITPOS", "k", "1", "6222", "-1", "BIT"}), Int(-1));
  std::string ones(1000, '\xff');
  ones[999] = '\xfe';
  ASSERT_EQ(Run({"SET", "o", ones}), "+OK\r\n");
  EXPECT_EQ(Run({"BITPOS", "o", "0", "3"}), Int(7999));
}

TEST_F(BitmapFamilyTest, BitOp) {
  EXPECT_EQ(Run({"SET", "a", "foobar"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "b", "abcdef"}), "+OK\r\n");
  EXPECT_EQ(Run({"BITOP", "AND", "d", "a", "b"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk("`bc`ab"));
  EXPECT_EQ(Run({"BITOP", "or", "d", "a", "b"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk("goofev"));
  EXPECT_EQ(Run({"BITOP", "XOR", "d", "a", "b"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(std::string("\x07\x0d\x0c\x06\x04\x14", 6)));
  EXPECT_EQ(Run({"BITOP", "NOT", "d", "a"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk("\x99\x90\x90\x9d\x9e\x8d"));
  // Shorter and missing sources are zero-padded.
  EXPECT_EQ(Run({"SET", "short", "\xff"}), "+OK\r\n");
  EXPECT_EQ(Run({"BITOP", "OR", "d", "short", "missing", "a"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk("\xffoobar"));
  EXPECT_EQ(Run({"BITOP", "AND", "d", "short", "a"}), Int(6));
  EXPECT_EQ(Run({"GET", "d"}), Bulk(std::string("f\0\0\0\0\0", 6)));
  // An empty result deletes the destination, and only that counts as a change.
  EXPECT_EQ(Run({"EXPIRE", "d", "100"}), Int(1));
  EXPECT_EQ(Run({"BITOP", "AND", "d", "missing", "missing2"}), Int(0));
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
  EXPECT_EQ(Run({"BITOP", "AND", "d", "missing"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);
  // The destination loses its TTL, as with SET.
  EXPECT_EQ(Run({"SET", "d", "x", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(Run({"BITOP", "NOT", "d", "a"}), Int(6));
  EXPECT_EQ(Run({"TTL", "d"}), Int(-1));
  // Same key as source and destination.
  EXPECT_EQ(Run({"BITOP", "NOT", "a", "a"}), Int(6));
  EXPECT_EQ(Run({"BITOP", "NOT", "a", "a"}), Int(6));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("foobar"));
}

TEST_F(BitmapFamilyTest, BitOpErrors) {
  EXPECT_EQ(Run({"BITOP", "NAND", "d", "a"}), kSyntax);
  EXPECT_EQ(Run({"BITOP", "NOT", "d", "a", "b"}),
            Err("ERR BITOP NOT must be called with a single source key."));
  PutList("l");
  EXPECT_EQ(Run({"SET", "a", "x"}), "+OK\r\n");
  EXPECT_EQ(Run({"BITOP", "OR", "d", "a", "l"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "d"}), Int(0));
}

TEST_F(BitmapFamilyTest, BitfieldGetSetIncr) {
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "-100", "GET", "i8", "0", "GET", "u8", "0"}),
            "*3\r\n:0\r\n:-100\r\n:156\r\n");
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"BITFIELD", "k", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2",
                 "102", "1"}),
            "*2\r\n:1\r\n:1\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u4", "#1", "15", "GET", "u4", "4", "GET", "u4", "#1"}),
            "*3\r\n:12\r\n:15\r\n:15\r\n");
  // Reads past the end are zero and do not create anything.
  EXPECT_EQ(Run({"BITFIELD", "missing", "GET", "u8", "0", "GET", "i64", "1000"}),
            "*2\r\n:0\r\n:0\r\n");
  EXPECT_EQ(Run({"EXISTS", "missing"}), Int(0));
  EXPECT_EQ(Run({"BITFIELD", "missing"}), "*0\r\n");
  // The u4 at #1 is the low nibble of the i8 at 0: -100 (0x9c) became 0x9f.
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "GET", "i8", "0"}), "*1\r\n:-97\r\n");
  // SET of the same value: no change, no dirty.
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "-97"}), "*1\r\n:-97\r\n");
  EXPECT_EQ(last_dirty_, 0);
}

TEST_F(BitmapFamilyTest, BitfieldOverflow) {
  // WRAP (the default), SAT and FAIL for signed and unsigned fields.
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "u8", "0", "255", "INCRBY", "u8", "0", "10"}),
            "*2\r\n:0\r\n:9\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000"}),
            "*1\r\n:255\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-1000"}),
            "*1\r\n:0\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-1"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(last_dirty_, 0);
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1"}),
            "*2\r\n:0\r\n:-128\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000"}),
            "*1\r\n:-128\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "1000"}), "*1\r\n:-128\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i8", "0"}), "*1\r\n:127\r\n");
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0"}),
            "*2\r\n:127\r\n:255\r\n");
  // 64-bit signed fields wrap around int64.
  EXPECT_EQ(
      Run({"BITFIELD", "w", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1"}),
      "*2\r\n:0\r\n:-9223372036854775808\r\n");
  EXPECT_EQ(Run({"BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1"}),
            "*1\r\n$-1\r\n");
  EXPECT_EQ(Run({"BITFIELD", "w", "SET", "u63", "1", "9223372036854775807", "GET", "u63", "1"}),
            "*2\r\n:0\r\n:9223372036854775807\r\n");
}

TEST_F(BitmapFamilyTest, BitfieldErrors) {
  const std::string type_err = Err(
      "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
      "i64 is.");
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "u64", "0"}), type_err);
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i65", "0"}), type_err);
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "x8", "0"}), type_err);
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i0", "0"}), type_err);
  EXPECT_EQ(Run({"BITFIELD", "k", "GET", "i8", "-1"}), kBitOffset);
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "k", "SET", "i8", "0"}), kSyntax);
  EXPECT_EQ(Run({"BITFIELD", "k", "FOO"}), kSyntax);
  EXPECT_EQ(Run({"BITFIELD", "k", "OVERFLOW", "WHAT"}), Err("ERR Invalid OVERFLOW type specified"));
  EXPECT_EQ(Run({"BITFIELD_RO", "k", "SET", "i8", "0", "1"}),
            Err("ERR BITFIELD_RO only supports the GET subcommand"));
  PutList("l");
  EXPECT_EQ(Run({"BITFIELD", "l", "GET", "i8", "0"}), kWrongType);
  EXPECT_EQ(Run({"BITFIELD", "l", "SET", "i8", "0", "1"}), kWrongType);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST(BitmapOpsTest, BitfieldComputeMatchesRedisRules) {
  int64_t r;
  EXPECT_TRUE(BitfieldCompute(false, 8, BitfieldOverflow::kWrap, true, 250, 10, &r));
  EXPECT_EQ(r, 4);
  EXPECT_TRUE(BitfieldCompute(false, 8, BitfieldOverflow::kWrap, true, 5, -10, &r));
  EXPECT_EQ(r, 251);
  EXPECT_TRUE(BitfieldCompute(true, 4, BitfieldOverflow::kWrap, true, 7, 1, &r));
  EXPECT_EQ(r, -8);
  EXPECT_TRUE(BitfieldCompute(true, 1, BitfieldOverflow::kSat, false, 0, 5, &r));
  EXPECT_EQ(r, 0);  // i1 holds -1..0
  EXPECT_FALSE(BitfieldCompute(true, 64, BitfieldOverflow::kFail, true, INT64_MIN, -1, &r));
  EXPECT_TRUE(BitfieldCompute(false, 63, BitfieldOverflow::kSat, true, 0, INT64_MAX, &r));
  EXPECT_EQ(r, INT64_MAX);
}

TEST(BitmapOpsTest, ParseBitOffset) {
  uint64_t off;
  EXPECT_TRUE(ParseBitOffset("4294967295", 0, &off));
  EXPECT_EQ(off, 4294967295u);
  EXPECT_FALSE(ParseBitOffset("4294967296", 0, &off));
  EXPECT_FALSE(ParseBitOffset("#3", 0, &off));  // '#' only for BITFIELD
  EXPECT_TRUE(ParseBitOffset("#3", 8, &off));
  EXPECT_EQ(off, 24u);
  EXPECT_FALSE(ParseBitOffset("#-1", 8, &off));
  EXPECT_FALSE(ParseBitOffset("#9223372036854775807", 8, &off));
  // A lower proto-max-bulk-len lowers the limit: byte 1023 is the last of 1 KiB.
  EXPECT_TRUE(ParseBitOffset("8191", 0, &off, 1024));
  EXPECT_FALSE(ParseBitOffset("8192", 0, &off, 1024));
}

}  // namespace
}  // namespace ferrite::commands
