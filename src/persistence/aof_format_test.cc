#include "persistence/aof_format.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "persistence/check_aof.h"

namespace ferrite::persistence {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ferrite_aof_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf " + path_).c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Cmd(std::vector<std::string_view> argv) {
  std::string out;
  AppendCommand(&out, argv);
  return out;
}

struct Applied {
  storage::DbIndex db;
  std::vector<std::string> argv;
};

std::vector<Applied> Replay(const std::string& path, Status* status, ReplayStats* stats) {
  std::vector<Applied> got;
  *status = ReplayAof(
      path,
      [&](storage::DbIndex db, std::span<const std::string_view> argv) {
        got.push_back({db, std::vector<std::string>(argv.begin(), argv.end())});
        return Status::Ok();
      },
      ReplayOptions{}, stats);
  return got;
}

TEST(AofFormat, EncodesRespMultibulkExactlyAsRedis) {
  EXPECT_EQ(Cmd({"SET", "key", "value"}), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  std::string empty_and_binary = Cmd({"SET", "", std::string_view("a\r\n\0b", 5)});
  EXPECT_EQ(empty_and_binary, std::string("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n", 30));
  std::string sel;
  AppendSelect(&sel, 12);
  EXPECT_EQ(sel, "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n");
  std::vector<std::string_view> argv = {"SET", "k", std::string(1000, 'x')};
  EXPECT_EQ(EncodedSize(argv), Cmd(argv).size());
}

TEST(AofFormat, RoundTripWithSelectAndBinaryValues) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string big(3 << 20, 'v');  // spans several read chunks
  std::string data = Cmd({"SET", "a", "1"});
  AppendSelect(&data, 3);
  data += Cmd({"SET", "b", std::string_view("x\r\ny\0", 5)});
  data += Cmd({"SET", "big", big});
  AppendSelect(&data, 0);
  data += Cmd({"DEL", "a"});
  WriteFile(path, data);
  Status st;
  ReplayStats stats;
  auto got = Replay(path, &st, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].db, 0u);
  EXPECT_EQ(got[1].db, 3u);
  EXPECT_EQ(got[1].argv[2], std::string("x\r\ny\0", 5));
  EXPECT_EQ(got[2].db, 3u);
  EXPECT_EQ(got[2].argv[2], big);
  EXPECT_EQ(got[3].db, 0u);
  EXPECT_EQ(got[3].argv, (std::vector<std::string>{"DEL", "a"}));
  EXPECT_EQ(stats.commands, 4u);
  EXPECT_EQ(stats.bytes, data.size());
  EXPECT_EQ(stats.truncated_bytes, 0u);
}

TEST(AofFormat, MissingFileIsAnEmptyDataSet) {
  TempDir dir;
  Status st;
  ReplayStats stats;
  auto got = Replay(dir.path() + "/none.aof", &st, &stats);
  EXPECT_TRUE(st.ok());
  EXPECT_FALSE(stats.file_found);
  EXPECT_TRUE(got.empty());
}

TEST(AofFormat, TornTailIsTruncatedAtEveryCutPoint) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string good = Cmd({"SET", "a", "1"}) + Cmd({"INCR", "counter"});
  std::string last = Cmd({"SET", "b", "22"});
  for (size_t cut = 1; cut < last.size(); ++cut) {
    WriteFile(path, good + last.substr(0, cut));
    Status st;
    ReplayStats stats;
    auto got = Replay(path, &st, &stats);
    ASSERT_TRUE(st.ok()) << "cut " << cut << ": " << st.ToString();
    EXPECT_EQ(got.size(), 2u) << "cut " << cut;
    EXPECT_EQ(stats.truncated_bytes, cut);
    EXPECT_EQ(ReadFile(path), good) << "cut " << cut;
  }
}

TEST(AofFormat, ZeroFilledTailIsTorn) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string good = Cmd({"SET", "a", "1"});
  WriteFile(path, good + std::string(4096, '\0'));
  Status st;
  ReplayStats stats;
  auto got = Replay(path, &st, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(ReadFile(path), good);
}

TEST(AofFormat, TransactionWithoutExecIsRevertedAndNeverHalfApplied) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string good = Cmd({"SET", "a", "1"}) + Cmd({"MULTI"}) + Cmd({"INCR", "a"}) +
                     Cmd({"INCR", "b"}) + Cmd({"EXEC"});
  std::string torn = Cmd({"MULTI"}) + Cmd({"INCR", "a"}) + Cmd({"INCR", "b"});
  WriteFile(path, good + torn);
  Status st;
  ReplayStats stats;
  auto got = Replay(path, &st, &stats);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(got.size(), 3u);  // SET, INCR a, INCR b: MULTI/EXEC consumed, the torn one dropped
  EXPECT_EQ(got[1].argv[0], "INCR");
  EXPECT_EQ(ReadFile(path), good);
}

TEST(AofFormat, CorruptionInTheMiddleNamesFileAndOffset) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string a = Cmd({"SET", "a", "1"});
  std::string bad = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n#1\r\n2\r\n";  // '#' instead of '$'
  std::string after = Cmd({"SET", "c", "3"});
  WriteFile(path, a + bad + after);
  Status st;
  ReplayStats stats;
  auto got = Replay(path, &st, &stats);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  std::string msg(st.message());
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("at offset " + std::to_string(a.size())), std::string::npos) << msg;
  EXPECT_EQ(ReadFile(path), a + bad + after);  // never modified
}

TEST(AofFormat, BadLengthIsCorruption) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string a = Cmd({"SET", "a", "1"});
  // Declared length 2 but 3 bytes before the CRLF: the terminator check fails.
  WriteFile(path, a + "*2\r\n$3\r\nGET\r\n$2\r\nabc\r\n" + a);
  AofScanResult r;
  ASSERT_TRUE(ScanAof(
                  PosixIo(), path,
                  [](storage::DbIndex, std::span<const std::string_view>, uint64_t) {
                    return Status::Ok();
                  },
                  &r)
                  .ok());
  EXPECT_EQ(r.end, AofEnd::kCorrupt);
  EXPECT_EQ(r.bad_offset, a.size());
  EXPECT_EQ(r.valid_bytes, a.size());
}

TEST(CheckAof, ReportsAndFixes) {
  TempDir dir;
  std::string path = dir.path() + "/a.aof";
  std::string good = Cmd({"SET", "a", "1"}) + Cmd({"SET", "b", "2"});
  std::string garbage = "*2\r\n$3\r\nGET\r\nxx";
  WriteFile(path, good + garbage + Cmd({"SET", "c", "3"}));
  std::string_view check[] = {path};
  std::ostringstream out, err;
  EXPECT_EQ(CheckAofMain(check, out, err), 1);
  EXPECT_NE(out.str().find("ok_up_to=" + std::to_string(good.size())), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("offset " + std::to_string(good.size())), std::string::npos);

  std::string_view fix[] = {"--fix", path};
  std::ostringstream out2, err2;
  EXPECT_EQ(CheckAofMain(fix, out2, err2), 0) << err2.str();
  EXPECT_EQ(ReadFile(path), good);

  std::ostringstream out3, err3;
  EXPECT_EQ(CheckAofMain(check, out3, err3), 0);
  EXPECT_NE(out3.str().find("AOF is valid"), std::string::npos);

  std::string_view usage[] = {"--frobnicate", path};
  std::ostringstream out4, err4;
  EXPECT_EQ(CheckAofMain(usage, out4, err4), 2);
}

}  // namespace
}  // namespace ferrite::persistence
