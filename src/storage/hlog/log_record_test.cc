#include "storage/hlog/log_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace ferrite::storage::hlog {
namespace {

std::vector<char> MakeRecord(std::string_view key, std::string_view value) {
  uint64_t size =
      RecordSize(static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size()));
  std::vector<char> buf(size, 0);
  LogRecord* rec = LogRecord::At(buf.data());
  uint32_t cap = static_cast<uint32_t>(size - kRecordHeaderSize - key.size());
  rec->Init(7, key, static_cast<uint32_t>(value.size()), cap, ValueType::kZSet, 1234, 4096, false);
  std::memcpy(rec->value_data(), value.data(), value.size());
  return buf;
}

TEST(LogRecordTest, LayoutAndInfo) {
  auto buf = MakeRecord("key", "value");
  const LogRecord& rec = *LogRecord::At(buf.data());
  EXPECT_EQ(buf.size() % 8, 0u);
  EXPECT_EQ(rec.key(), "key");
  EXPECT_EQ(rec.value(), "value");
  EXPECT_EQ(rec.db, 7u);
  EXPECT_EQ(rec.expire_at_ms, 1234);
  uint64_t info = rec.LoadInfo();
  EXPECT_EQ(InfoPrev(info), 4096u);
  EXPECT_EQ(InfoType(info), ValueType::kZSet);
  EXPECT_TRUE(InfoAllocated(info));
  EXPECT_FALSE(InfoTombstone(info));
  EXPECT_FALSE(InfoInvalid(info));
  EXPECT_GE(rec.value_capacity, rec.value_len);
  EXPECT_EQ(rec.size(), buf.size());
}

TEST(LogRecordTest, DiskEncodingIsChecked) {
  auto buf = MakeRecord("some key", std::string(300, 'v'));
  LogRecord& rec = *LogRecord::At(buf.data());
  ASSERT_TRUE(LockShared(rec));  // a live lock word must not leak to disk
  std::vector<char> disk(buf.size());
  EncodeForDisk(rec, disk.data());
  UnlockShared(rec);
  EXPECT_TRUE(VerifyDiskRecord(disk.data(), disk.size()));
  EXPECT_FALSE(VerifyDiskRecord(disk.data(), disk.size() - 8)) << "truncated";
  for (size_t off : {0ul, 16ul, 28ul, 41ul, disk.size() - 9}) {
    auto bad = disk;
    bad[off] ^= 0x10;
    EXPECT_FALSE(VerifyDiskRecord(bad.data(), bad.size())) << off;
  }
  std::vector<char> zeros(64, 0);
  EXPECT_FALSE(VerifyDiskRecord(zeros.data(), zeros.size())) << "an empty page tail";
}

TEST(LogRecordTest, LocksAndSeal) {
  auto buf = MakeRecord("k", "v");
  LogRecord& rec = *LogRecord::At(buf.data());
  ASSERT_TRUE(LockShared(rec));
  ASSERT_TRUE(LockShared(rec));
  UnlockShared(rec);
  UnlockShared(rec);
  ASSERT_TRUE(LockExclusive(rec));
  UnlockExclusive(rec, /*seal=*/true);
  EXPECT_FALSE(LockShared(rec)) << "a sealed record sends readers back to the index";
  EXPECT_FALSE(LockExclusive(rec));
}

}  // namespace
}  // namespace ferrite::storage::hlog
