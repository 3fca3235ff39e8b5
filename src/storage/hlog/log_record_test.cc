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

TEST(LogRecordTest, ObjectSlotBecomesADescriptorOnDisk) {
  // An object record: value length 0, the last 24 bytes hold the pointer and the charge.
  uint64_t size = RecordSize(5, kObjectSlotSize);
  std::vector<uint64_t> words(size / 8, 0);  // 8-aligned, as records in a page are
  char* raw = reinterpret_cast<char*>(words.data());
  LogRecord& rec = *LogRecord::At(raw);
  uint32_t cap = static_cast<uint32_t>(size - kRecordHeaderSize - 5);
  rec.Init(1, "hkey1", 0, cap, ValueType::kHash, kNoExpiry, 0, false);
  rec.StoreInfo(rec.LoadInfo() | kObjectBit);
  auto* fake = reinterpret_cast<StoredObject*>(uintptr_t{0x1234560});
  rec.StoreObject(fake);
  rec.set_object_charge(777);
  EXPECT_TRUE(InfoObject(rec.LoadInfo()));
  EXPECT_EQ(rec.LoadObject(), fake);
  EXPECT_EQ(rec.object_charge(), 777u);
  EXPECT_EQ(rec.key(), "hkey1") << "the slot lies past the key";
  EXPECT_EQ(rec.ExchangeObject(nullptr), fake);
  rec.StoreObject(fake);

  std::vector<uint64_t> disk_words(size / 8);
  char* disk = reinterpret_cast<char*>(disk_words.data());
  ObjectDescriptor d{4096, 123, 0xabcdef01};
  EncodeForDisk(rec, disk, &d);
  ASSERT_TRUE(VerifyDiskRecord(disk, size));
  ObjectDescriptor back = ReadObjectDescriptor(*LogRecord::At(disk));
  EXPECT_EQ(back.offset, 4096u);
  EXPECT_EQ(back.length, 123u);
  EXPECT_EQ(back.checksum, 0xabcdef01u);
  // Without a descriptor (tombstone, superseded record) the slot is empty: no pointer leaks.
  EncodeForDisk(rec, disk, nullptr);
  ASSERT_TRUE(VerifyDiskRecord(disk, size));
  EXPECT_EQ(ReadObjectDescriptor(*LogRecord::At(disk)).length, 0u);
  EXPECT_EQ(ReadObjectDescriptor(*LogRecord::At(disk)).offset, 0u);
  // The descriptor is covered by the record checksum.
  EncodeForDisk(rec, disk, &d);
  disk[size - kObjectSlotSize + 9] ^= 1;
  EXPECT_FALSE(VerifyDiskRecord(disk, size));
  EXPECT_NE(ObjectChecksum("abc"), ObjectChecksum("abd"));
}

}  // namespace
}  // namespace ferrite::storage::hlog
