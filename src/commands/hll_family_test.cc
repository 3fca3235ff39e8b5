// Unit tests for the HyperLogLog family (commands/hll_family.cc) and the HLL format
// (commands/hll_ops.h). Byte-level expectations (header, sparse opcodes, hash values) were checked
// against Redis 7.0.15 itself.

#include <string>
#include <vector>

#include "commands/hll_ops.h"
#include "commands/testing/command_fixture.h"
#include "commands/testing/resp_literals.h"

namespace ferrite::commands {
namespace {

const std::string kNotHll = Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
const std::string kCorrupt = Err("INVALIDOBJ Corrupted HLL object detected");

class HllFamilyTest : public testing::CommandFixture {
 protected:
  std::string Value(std::string_view key) {
    std::string out;
    Status st =
        session_->Read(client_.db, key, [&](const storage::RecordView& r) { out.assign(r.value); });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  void PutList(std::string_view key) {
    storage::RecordBuilder rec{storage::ValueType::kList, storage::kNoExpiry, "opaque"};
    ASSERT_TRUE(session_->Upsert(client_.db, key, rec).ok());
  }
  // Adds "prefix0".."prefix<n-1>" in batches of 100.
  void AddMany(std::string_view key, std::string_view prefix, int n) {
    for (int i = 0; i < n; i += 100) {
      std::vector<std::string> storage;
      for (int j = i; j < std::min(n, i + 100); ++j)
        storage.push_back(std::string(prefix) + std::to_string(j));
      std::vector<std::string_view> args{"PFADD", key};
      for (const std::string& s : storage) args.push_back(s);
      Run(args);
    }
  }
  int64_t Count(std::initializer_list<std::string_view> keys) {
    std::vector<std::string_view> args{"PFCOUNT"};
    args.insert(args.end(), keys.begin(), keys.end());
    std::string r = Run(args);
    EXPECT_EQ(r[0], ':') << r;
    return std::stoll(r.substr(1));
  }
};

TEST_F(HllFamilyTest, EmptyHllIsRedisBytes) {
  EXPECT_EQ(Run({"PFADD", "h"}), Int(1));
  EXPECT_EQ(last_dirty_, 1);
  // Redis 7.0: DUMP of `PFADD h` holds exactly these 18 bytes.
  EXPECT_EQ(Value("h"), std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff", 18));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), Int(0));
  EXPECT_EQ(last_dirty_, 1);  // the cache is computed and stored
  EXPECT_EQ(Run({"PFCOUNT", "h"}), Int(0));
  EXPECT_EQ(last_dirty_, 0);  // now answered from the cache
  EXPECT_EQ(Run({"PFADD", "h"}), Int(0));
}

TEST_F(HllFamilyTest, MatchesRedisEncodingOfABC) {
  // Redis 7.0.15: PFADD k a b c; GETRANGE k 0 -1.
  EXPECT_EQ(Run({"PFADD", "k", "a", "b", "c"}), Int(1));
  EXPECT_EQ(hll::DecodeSparseText(Value("k")).value(),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "k"}), Bulk("Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"));
  EXPECT_EQ(Run({"PFADD", "k", "a", "b", "c"}), Int(0));
  EXPECT_EQ(Run({"PFCOUNT", "k"}), Int(3));
  EXPECT_EQ(last_dirty_, 1);  // the cache was written back
  EXPECT_EQ(Value("k")[15], '\0');
  EXPECT_EQ(hll::CachedCount(Value("k")), 3u);
  EXPECT_EQ(Run({"PFADD", "k", "d"}), Int(1));
  EXPECT_EQ(static_cast<uint8_t>(Value("k")[15]), 0x80);  // stale again
  EXPECT_EQ(Run({"PFCOUNT", "k"}), Int(4));
}

TEST_F(HllFamilyTest, HashesMatchRedis) {
  // Redis 7.0.15: PFADD k2 1 2 3 hello world foo; PFDEBUG DECODE k2; PFCOUNT k2. Elements of
  // 1, 3 and 5 bytes exercise MurmurHash64A's tail handling.
  EXPECT_EQ(Run({"PFADD", "k2", "1", "2", "3", "hello", "world", "foo"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "k2"}),
            Bulk("Z:2742 v:3,1 Z:4605 v:5,1 Z:178 v:1,1 Z:1688 v:1,1 Z:1756 v:1,1 Z:4397 v:4,1 "
                 "Z:1012"));
  EXPECT_EQ(Run({"PFCOUNT", "k2"}), Int(6));
}

TEST_F(HllFamilyTest, SparseAndDenseAgreeAndPromote) {
  AddMany("sparse", "e", 500);
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "sparse"}), "+sparse\r\n");
  EXPECT_EQ(Run({"PFADD", "dense"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "dense"}), Int(1));
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "dense"}), Int(0));
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "dense"}), "+dense\r\n");
  EXPECT_EQ(Value("dense").size(), hll::kDenseSize);
  AddMany("dense", "e", 500);
  EXPECT_EQ(Count({"sparse"}), Count({"dense"}));
  const int64_t c = Count({"sparse"});
  EXPECT_NEAR(c, 500, 500 * 0.05);
  AddMany("sparse", "f", 20000);
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "sparse"}), "+dense\r\n");
  EXPECT_NEAR(Count({"sparse"}), 20500, 20500 * 0.05);
}

TEST_F(HllFamilyTest, GetRegConvertsToDense) {
  EXPECT_EQ(Run({"PFADD", "h", "1", "2", "3"}), Int(1));
  const std::string regs = Run({"PFDEBUG", "GETREG", "h"});
  EXPECT_EQ(regs.substr(0, 8), "*16384\r\n");
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "h"}), "+dense\r\n");
  EXPECT_EQ(Run({"PFCOUNT", "h"}), Int(3));
  EXPECT_EQ(Run({"PFDEBUG", "DECODE", "h"}), Err("ERR HLL encoding is not sparse"));
  EXPECT_EQ(Run({"PFDEBUG", "FOO", "h"}), Err("ERR Unknown PFDEBUG subcommand 'FOO'"));
  EXPECT_EQ(Run({"PFDEBUG", "GETREG", "nokey"}), Err("ERR The specified key does not exist"));
}

TEST_F(HllFamilyTest, MergeAndMultiKeyCount) {
  EXPECT_EQ(Run({"PFADD", "h1", "a", "b", "c"}), Int(1));
  EXPECT_EQ(Run({"PFADD", "h2", "b", "c", "d"}), Int(1));
  EXPECT_EQ(Run({"PFADD", "h3", "c", "d", "e"}), Int(1));
  EXPECT_EQ(Count({"h1", "h2", "h3", "missing"}), 5);
  EXPECT_EQ(Run({"PFMERGE", "h", "h1", "h2", "h3"}), "+OK\r\n");
  EXPECT_EQ(last_dirty_, 1);
  EXPECT_EQ(Count({"h"}), 5);
  // The destination is a source too, and keeps its TTL.
  EXPECT_EQ(Run({"EXPIRE", "h", "100"}), Int(1));
  EXPECT_EQ(Run({"PFADD", "h4", "z"}), Int(1));
  EXPECT_EQ(Run({"PFMERGE", "h", "h4"}), "+OK\r\n");
  EXPECT_EQ(Count({"h"}), 6);
  EXPECT_EQ(Run({"TTL", "h"}), Int(100));
  // A dense source makes the destination dense.
  EXPECT_EQ(Run({"PFDEBUG", "TODENSE", "h4"}), Int(1));
  EXPECT_EQ(Run({"PFMERGE", "d", "h4"}), "+OK\r\n");
  EXPECT_EQ(Run({"PFDEBUG", "ENCODING", "d"}), "+dense\r\n");
  EXPECT_EQ(Run({"PFMERGE", "empty"}), "+OK\r\n");
  EXPECT_EQ(Count({"empty"}), 0);
}

TEST_F(HllFamilyTest, TypeChecksAndCorruption) {
  EXPECT_EQ(Run({"SET", "s", "bar"}), "+OK\r\n");
  EXPECT_EQ(Run({"PFADD", "s", "1"}), kNotHll);
  EXPECT_EQ(Run({"PFCOUNT", "s"}), kNotHll);
  EXPECT_EQ(Run({"PFMERGE", "x", "s"}), kNotHll);
  EXPECT_EQ(Run({"PFMERGE", "s", "x"}), kNotHll);
  PutList("l");
  EXPECT_EQ(Run({"PFADD", "l", "1"}), kWrongType);
  EXPECT_EQ(Run({"PFCOUNT", "l"}), kWrongType);
  EXPECT_EQ(Run({"PFCOUNT", "l", "s"}), kWrongType);

  EXPECT_EQ(Run({"PFADD", "h", "a", "b", "c"}), Int(1));
  EXPECT_EQ(Run({"APPEND", "h", "hello"}).substr(0, 1), ":");
  EXPECT_EQ(Run({"PFCOUNT", "h"}), kCorrupt);
  EXPECT_EQ(Run({"PFADD", "h", "x"}), kCorrupt);
  EXPECT_EQ(Run({"PFCOUNT", "h", "h"}), kCorrupt);
  EXPECT_EQ(Run({"PFDEBUG", "GETREG", "h"}), kCorrupt);

  EXPECT_EQ(Run({"DEL", "h"}), Int(1));
  EXPECT_EQ(Run({"PFADD", "h", "a", "b", "c"}), Int(1));
  EXPECT_EQ(Run({"SETRANGE", "h", "0", "0123"}), Int(27));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), kNotHll);  // broken magic
  EXPECT_EQ(Run({"SETRANGE", "h", "0", "HYLLx"}), Int(27));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), kNotHll);  // unknown encoding
  EXPECT_EQ(Run({"SETRANGE", "h", "4", std::string("\0", 1)}), Int(27));
  EXPECT_EQ(Run({"PFCOUNT", "h"}), kNotHll);  // dense with the wrong length
}

TEST_F(HllFamilyTest, CorruptValuesNeverCrash) {
  // Random byte changes, as Redis's fuzz test does: every reply is a count or an error.
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1103515245u + 12345u; };
  for (int round = 0; round < 200; ++round) {
    Run({"DEL", "h"});
    AddMany("h", "x" + std::to_string(round) + "-", next() % 3000);
    std::string v = Value("h");
    for (int i = 0; i < 3; ++i) v[next() % v.size()] = static_cast<char>(next() >> 8);
    Run({"SET", "h", v});
    const std::string r = Run({"PFCOUNT", "h"});
    EXPECT_TRUE(r[0] == ':' || r[0] == '-') << r;
    const std::string a = Run({"PFADD", "h", "more"});
    EXPECT_TRUE(a[0] == ':' || a[0] == '-') << a;
  }
}

TEST(HllOpsTest, EncodeDecodeRoundTrip) {
  hll::Registers regs{};
  regs[0] = 1;
  regs[100] = 32;
  regs[101] = 32;
  regs[16383] = 7;
  std::optional<std::string> sparse = hll::EncodeSparse(regs);
  ASSERT_TRUE(sparse.has_value());
  hll::Registers back{};
  ASSERT_TRUE(hll::IsHll(*sparse));
  ASSERT_TRUE(hll::MergeInto(*sparse, &back));
  EXPECT_EQ(back, regs);
  regs[5] = 33;  // beyond the sparse VAL range
  EXPECT_FALSE(hll::EncodeSparse(regs).has_value());
  const std::string dense = hll::EncodeDense(regs);
  ASSERT_TRUE(hll::IsHll(dense));
  hll::Registers back2{};
  ASSERT_TRUE(hll::MergeInto(dense, &back2));
  EXPECT_EQ(back2, regs);
  EXPECT_EQ(hll::Count(hll::Registers{}), 0u);
}

TEST(HllOpsTest, SelfTestPasses) { EXPECT_EQ(hll::SelfTest(), ""); }

}  // namespace
}  // namespace ferrite::commands
